/*
 * notify: what mailmapd tells its service manager (systemd's readiness
 * protocol, sd_notify(3), through libsystemd): ready once the sockets are
 * bound and the stores open, reloading around a SIGHUP, stopping, and
 * the watchdog's keep-alive. Without a manager ($NOTIFY_SOCKET unset)
 * every call does nothing: mailmapd runs the same without systemd.
 *
 * The watchdog (WatchdogSec= in the unit): the main loop asks every
 * worker loop to answer (worker_heartbeat) at a third of the interval,
 * and pings only when every worker answered the previous ask. A worker
 * stuck in one request stops the pings; systemd then restarts mailmapd.
 */
#ifndef MAILMAP_NOTIFY_H
#define MAILMAP_NOTIFY_H

#include <stdint.h>

/* READY=1 with a STATUS= line (printf-like). */
void notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* RELOADING=1 with MONOTONIC_USEC= (what Type=notify-reload wants). */
void notify_reloading(void);
/* STOPPING=1. */
void notify_stopping(void);
/* The watchdog interval in microseconds, 0 when there is none. */
uint64_t notify_watchdog_usec(void);
/* WATCHDOG=1. */
void notify_watchdog(void);

#endif
