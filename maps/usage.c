/* usage: quota counters and last login in the state store; see usage.h. */
#include "usage.h"

#include <string.h>

#define USAGE_VALUE_LEN 8

const char *const usage_counter_names[] = {
    [USAGE_STORAGE] = "storage",
    [USAGE_MESSAGES] = "messages",
    [USAGE_COUNTER_COUNT] = NULL,
};

static void usage_be_put(unsigned char *out, uint64_t value)
{
	for (size_t i = 0; i < USAGE_VALUE_LEN; i++)
		out[i] =
		    (unsigned char)(value >> (8 * (USAGE_VALUE_LEN - 1 - i)));
}

static uint64_t usage_be_get(const unsigned char *in)
{
	uint64_t value = 0;

	for (size_t i = 0; i < USAGE_VALUE_LEN; i++)
		value = (value << 8) | in[i];
	return value;
}

size_t usage_key(const char *address, enum usage_counter counter, char *key)
{
	size_t len = strlen(address);
	size_t name_len = strlen(usage_counter_names[counter]);

	if (len > NAMES_ADDRESS_MAX)
		return 0;
	memcpy(key, address, len);
	key[len] = '\0';
	memcpy(key + len + 1, usage_counter_names[counter], name_len);
	return len + 1 + name_len;
}

/* An 8-byte value: STORE_OK, STORE_NOTFOUND (absent or another length),
 * or a failure. */
static int usage_get_u64(struct store_txn *txn, enum store_table table,
			 const char *key, size_t key_len, uint64_t *value_r)
{
	struct store_val val;
	int ret;

	if (key_len == 0)
		return STORE_NOTFOUND;
	ret = store_get(txn, table, key, key_len, &val);
	if (ret != STORE_OK)
		return ret;
	if (val.len != USAGE_VALUE_LEN)
		return STORE_NOTFOUND;
	*value_r = usage_be_get(val.data);
	return STORE_OK;
}

static int usage_put_u64(struct store_txn *txn, enum store_table table,
			 const char *key, size_t key_len, uint64_t value)
{
	unsigned char be[USAGE_VALUE_LEN];

	usage_be_put(be, value);
	return store_put(txn, table, key, key_len, be, sizeof(be), 0);
}

int usage_get_counter(struct store_txn *txn, const char *address,
		      enum usage_counter counter, int64_t *value_r)
{
	char key[USAGE_KEY_MAX];
	size_t key_len = usage_key(address, counter, key);
	uint64_t raw;
	int ret = usage_get_u64(txn, STORE_QUOTA, key, key_len, &raw);

	if (ret == STORE_OK)
		*value_r = (int64_t)raw; /* two's complement, C11 6.3.1.3 */
	return ret;
}

int usage_get_last_login(struct store_txn *txn, const char *address,
			 uint64_t *when_r)
{
	return usage_get_u64(txn, STORE_LAST_LOGIN, address, strlen(address),
			     when_r);
}

int usage_read(struct store_txn *txn, const char *address,
	       struct usage *usage_r)
{
	int ret;

	memset(usage_r, 0, sizeof(*usage_r));
	for (int c = 0; c < USAGE_COUNTER_COUNT; c++) {
		ret = usage_get_counter(txn, address, c, &usage_r->counter[c]);
		if (ret != STORE_OK && ret != STORE_NOTFOUND)
			return ret;
		usage_r->has_counter[c] = ret == STORE_OK;
	}
	ret = usage_get_last_login(txn, address, &usage_r->last_login);
	if (ret != STORE_OK && ret != STORE_NOTFOUND)
		return ret;
	usage_r->has_last_login = ret == STORE_OK;
	return STORE_OK;
}

int usage_set_counter(struct store_txn *txn, const char *address,
		      enum usage_counter counter, int64_t value)
{
	char key[USAGE_KEY_MAX];
	size_t key_len = usage_key(address, counter, key);

	/* an empty key makes store_put fail the transaction */
	return usage_put_u64(txn, STORE_QUOTA, key, key_len, (uint64_t)value);
}

static int64_t usage_saturated_add(int64_t value, int64_t delta)
{
	if (delta > 0 && value > INT64_MAX - delta)
		return INT64_MAX;
	if (delta < 0 && value < INT64_MIN - delta)
		return INT64_MIN;
	return value + delta;
}

int usage_add_counter(struct store_txn *txn, const char *address,
		      enum usage_counter counter, int64_t delta)
{
	int64_t value;
	int ret = usage_get_counter(txn, address, counter, &value);

	if (ret != STORE_OK)
		return ret;
	return usage_set_counter(txn, address, counter,
				 usage_saturated_add(value, delta));
}

int usage_unset_counter(struct store_txn *txn, const char *address,
			enum usage_counter counter)
{
	char key[USAGE_KEY_MAX];
	size_t key_len = usage_key(address, counter, key);
	int ret = store_del(txn, STORE_QUOTA, key, key_len, NULL);

	return ret == STORE_NOTFOUND ? STORE_OK : ret;
}

int usage_set_last_login(struct store_txn *txn, const char *address,
			 uint64_t when)
{
	return usage_put_u64(txn, STORE_LAST_LOGIN, address, strlen(address),
			     when);
}

int usage_purge(struct store_txn *txn, const char *address)
{
	int ret = STORE_OK;

	for (int c = 0; c < USAGE_COUNTER_COUNT && ret == STORE_OK; c++)
		ret = usage_unset_counter(txn, address, c);
	if (ret == STORE_OK)
		ret = store_del(txn, STORE_LAST_LOGIN, address, strlen(address),
				NULL);
	return ret == STORE_NOTFOUND ? STORE_OK : ret;
}
