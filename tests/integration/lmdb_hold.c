/*
 * lmdb_hold - holds the writer lock of an LMDB environment, for the tests
 * that need a writer of mailmapd's to wait (systemd_notify.sh: a worker
 * stuck in a state store write stops the watchdog's keep-alives).
 *
 *   lmdb_hold DIR READY SECONDS
 *
 * Opens the environment in DIR (as mailmapd's state store is: a
 * directory), begins a write transaction, writes READY, and keeps the
 * transaction SECONDS (at most 600) or until SIGTERM/SIGINT, then aborts
 * it: nothing is written. Never use it outside tests.
 */
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t hold_stop;

static void hold_on_signal(int sig)
{
	(void)sig;
	hold_stop = 1;
}

int main(int argc, char **argv)
{
	MDB_env *env;
	MDB_txn *txn;
	FILE *ready;
	int seconds, ret;

	if (argc != 4 || (seconds = atoi(argv[3])) <= 0 || seconds > 600) {
		fprintf(stderr, "usage: lmdb_hold DIR READY SECONDS (1-600)\n");
		return 2;
	}
	signal(SIGTERM, hold_on_signal);
	signal(SIGINT, hold_on_signal);
	if ((ret = mdb_env_create(&env)) != 0 ||
	    (ret = mdb_env_set_maxdbs(env, 16)) != 0 ||
	    (ret = mdb_env_open(env, argv[1], 0, 0660)) != 0 ||
	    (ret = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
		fprintf(stderr, "lmdb_hold: %s: %s\n", argv[1],
			mdb_strerror(ret));
		return 1;
	}
	ready = fopen(argv[2], "w");
	if (ready == NULL || fclose(ready) != 0) {
		perror(argv[2]);
		return 1;
	}
	for (int i = 0; i < seconds * 10 && !hold_stop; i++)
		usleep(100000);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
}
