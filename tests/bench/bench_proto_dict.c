/*
 * bench_proto_dict: Dovecot 2.3's dict protocol (protocols.md 3) for the
 * benchmark tools: passdb lookups, as Dovecot's auth sends them.
 *
 * Connection. A client opens every connection with the handshake
 * "H3\t2\t0\t\t<dict name>\n" (3.2: major 3, minor 2, value type 0, no
 * user), which gets no reply; loadgen sends it in the same write as the
 * first request, as Dovecot does. The dict name is loadgen's --preamble,
 * "auth" by default; "4:NAME" sends Dovecot 2.4's "H4\t0\t0\t\tNAME\n"
 * (major version 4) instead.
 *
 * Requests. A loadgen --keys line is either
 *     USER        the key is "shared/passdb/imap/secured/" USER: what
 *                 Dovecot's auth asks with the passdb key
 *                 passdb/%{service}/%{secured}/%u (auth/dict_backend.h)
 *                 for an IMAP login it counts as secured (plaintext from
 *                 the local address or login_trusted_networks; STARTTLS
 *                 gives "TLS" instead)
 * or  KEY USER    any key starting with "shared/" or "priv/" (Dovecot's
 *                 server refuses other keys)
 * (fields separated by spaces or tabs) and is framed as
 * "L<key>\t<user>\n", each field tab-escaped (3.1).
 *
 * Replies (client side). A lookup's reply is one line: "O<value>" or
 * "M<values>" found, "N" not found, "F<error>" failed; any other line
 * counts as failed. Dovecot's own server announces each command with a
 * "*<id>" line and prefixes its reply with "+<id>\t", and may add timing
 * fields after another TAB (3.4): the "*" lines belong to the reply's
 * frame, the prefix is stripped, the timings are ignored (only the reply
 * code is looked at). Plain in-order replies are accepted too.
 *
 * Requests (server side, refserver --mode dict). A frame is any number of
 * "H" lines (never answered) and one "L<key>\t<user>" line, which gets
 * the one constant reply "O<value>\n" (value tab-escaped). Any other
 * command (transactions, iteration) is a format error: the reference
 * server serves lookups only.
 *
 * Limits: request frames up to 64 KiB (Dovecot's server refuses longer
 * lines, DICT_CLIENT_MAX_LINE_LENGTH, 3.1); reply frames up to 64 KiB (the
 * 2.3 client has no limit; a passdb value is some 150 bytes).
 */
#include <stdbool.h>
#include <string.h>

#include "bench_proto.h"

/* Dovecot's server: DICT_CLIENT_MAX_LINE_LENGTH (protocols.md 3.1). */
#define DICT_MAX_REQUEST 65536
/* Ours: Dovecot 2.3's client reads replies of any length (3.1). */
#define DICT_MAX_REPLY 65536
/* The passdb key of an IMAP login on a secured connection. */
#define DICT_PASSDB_PREFIX "shared/passdb/imap/secured/"
#define DICT_DEFAULT_NAME  "auth"
/* Tab escaping (protocols.md 3.1): DICT_ESC + a letter. */
#define DICT_ESC '\001'

/* An output buffer that remembers running out of room. */
struct dict_out {
	char *p;
	size_t len, cap;
	bool full;
};

static void dict_put(struct dict_out *out, const char *s, size_t len)
{
	if (out->full || len > out->cap - out->len) {
		out->full = true;
		return;
	}
	memcpy(out->p + out->len, s, len);
	out->len += len;
}

/* Appends s tab-escaped: 0x01, TAB, CR, LF and NUL become 0x01 + a
 * character (1, t, r, n, 0). */
static void dict_put_escaped(struct dict_out *out, const char *s, size_t len)
{
	static const char special[] = {DICT_ESC, '\t', '\r', '\n', '\0'};
	static const char letter[] = {'1', 't', 'r', 'n', '0'};

	for (size_t i = 0; i < len; i++) {
		const char *hit = memchr(special, s[i], sizeof(special));

		if (hit == NULL) {
			dict_put(out, s + i, 1);
		} else {
			char esc[2] = {DICT_ESC, letter[hit - special]};

			dict_put(out, esc, 2);
		}
	}
}

static size_t dict_done(const struct dict_out *out)
{
	return out->full ? 0 : out->len;
}

/* Splits at spaces and tabs into at most 2 fields; returns how many, or 3
 * when there are more. */
static size_t dict_fields(const char *s, size_t len, const char **f,
			  size_t *f_len)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t start;

		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (n == 2)
			return 3;
		start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		f[n] = s + start;
		f_len[n++] = i - start;
	}
	return n;
}

static bool dict_has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t prefix_len = strlen(prefix);

	return len > prefix_len && memcmp(s, prefix, prefix_len) == 0;
}

static size_t dict_encode_request(char *out_buf, size_t cap,
				  const char *payload, size_t len)
{
	struct dict_out out = {out_buf, 0, cap, false};
	const char *f[2];
	size_t f_len[2];
	size_t n = dict_fields(payload, len, f, f_len);

	if (n == 0 || n > 2)
		return 0;
	dict_put(&out, "L", 1);
	if (n == 1) {
		dict_put(&out, DICT_PASSDB_PREFIX, strlen(DICT_PASSDB_PREFIX));
		dict_put_escaped(&out, f[0], f_len[0]);
	} else if (dict_has_prefix(f[0], f_len[0], "shared/") ||
		   dict_has_prefix(f[0], f_len[0], "priv/")) {
		dict_put_escaped(&out, f[0], f_len[0]);
	} else {
		return 0;
	}
	dict_put(&out, "\t", 1);
	dict_put_escaped(&out, f[n - 1], f_len[n - 1]);
	dict_put(&out, "\n", 1);
	return dict_done(&out);
}

static size_t dict_encode_preamble(char *out_buf, size_t cap, const char *arg)
{
	struct dict_out out = {out_buf, 0, cap, false};
	const char *name = arg != NULL ? arg : DICT_DEFAULT_NAME;
	/* "4:NAME": Dovecot 2.4's handshake (major 4, minor 0). */
	bool v4 = strncmp(name, "4:", 2) == 0;

	name += v4 ? 2 : 0;
	if (*name == '\0')
		return 0;
	dict_put(&out, v4 ? "H4\t0\t0\t\t" : "H3\t2\t0\t\t", 8);
	dict_put_escaped(&out, name, strlen(name));
	dict_put(&out, "\n", 1);
	return dict_done(&out);
}

static size_t dict_encode_found(char *out_buf, size_t cap, const char *value,
				size_t len)
{
	struct dict_out out = {out_buf, 0, cap, false};

	dict_put(&out, "O", 1);
	dict_put_escaped(&out, value, len);
	dict_put(&out, "\n", 1);
	return dict_done(&out);
}

/* The next line at data[pos..len): its length without the LF; false when
 * no LF is buffered yet. */
static bool dict_line(const char *data, size_t len, size_t pos,
		      size_t *line_len_r)
{
	const char *nl = memchr(data + pos, '\n', len - pos);

	if (nl == NULL)
		return false;
	*line_len_r = (size_t)(nl - (data + pos));
	return true;
}

/* The length of the decimal id at s (1 to 10 digits), 0 when there is
 * none. */
static size_t dict_id_len(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && n <= 10 && s[n] >= '0' && s[n] <= '9')
		n++;
	return n > 10 ? 0 : n;
}

static enum bench_answer dict_classify(const char *reply, size_t len)
{
	if (len == 0)
		return BENCH_FAILED;
	switch (reply[0]) {
	case 'O':
	case 'M':
		return BENCH_FOUND;
	case 'N':
		return BENCH_NOTFOUND;
	default:
		return BENCH_FAILED; /* 'F', or a reply code we do not know */
	}
}

/* Strips "+<id>\t" from an async reply line; false when malformed. */
static bool dict_strip_async(const char **line, size_t *len)
{
	size_t id_len;

	if (*len == 0 || (*line)[0] != '+')
		return true;
	id_len = dict_id_len(*line + 1, *len - 1);
	if (id_len == 0 || id_len + 1 >= *len || (*line)[id_len + 1] != '\t')
		return false;
	*line += id_len + 2;
	*len -= id_len + 2;
	return true;
}

static enum bench_frame dict_decode_reply(const char *data, size_t len,
					  size_t *used_r,
					  enum bench_answer *answer_r)
{
	size_t pos = 0, line_len;

	while (dict_line(data, len, pos, &line_len)) {
		const char *line = data + pos;

		pos += line_len + 1;
		if (pos > DICT_MAX_REPLY)
			return BENCH_ERR_SIZE;
		if (line_len > 0 && line[0] == '*') {
			/* "*<id>": a command started; its reply follows. */
			if (line_len < 2 ||
			    dict_id_len(line + 1, line_len - 1) != line_len - 1)
				return BENCH_ERR_FORMAT;
			continue;
		}
		if (!dict_strip_async(&line, &line_len))
			return BENCH_ERR_FORMAT;
		*answer_r = dict_classify(line, line_len);
		*used_r = pos;
		return BENCH_FRAME;
	}
	return len > DICT_MAX_REPLY ? BENCH_ERR_SIZE : BENCH_NEED_MORE;
}

static enum bench_frame dict_decode_request(const char *data, size_t len,
					    size_t *used_r)
{
	size_t pos = 0, line_len;

	while (dict_line(data, len, pos, &line_len)) {
		const char *line = data + pos;

		pos += line_len + 1;
		if (pos > DICT_MAX_REQUEST)
			return BENCH_ERR_SIZE;
		if (line_len > 0 && line[0] == 'H')
			continue; /* the handshake: no reply */
		if (line_len == 0 || line[0] != 'L' ||
		    memchr(line, '\t', line_len) == NULL)
			return BENCH_ERR_FORMAT;
		*used_r = pos;
		return BENCH_FRAME;
	}
	return len > DICT_MAX_REQUEST ? BENCH_ERR_SIZE : BENCH_NEED_MORE;
}

const struct bench_proto bench_proto_dict = {
    .name = "dict",
    .max_request = DICT_MAX_REQUEST,
    .max_reply = DICT_MAX_REPLY,
    .answers = BENCH_ANSWER_BIT(BENCH_FOUND) |
	       BENCH_ANSWER_BIT(BENCH_NOTFOUND) |
	       BENCH_ANSWER_BIT(BENCH_FAILED),
    /* A passdb answer of realistic size, shaped as mailmapd's
     * (auth/dict_auth.c): a SHA512-CRYPT hash (the shape mailmapctl
     * writes; not a real one) and the canonical user name. */
    .found_value =
	"{\"password\": \"{SHA512-CRYPT}$6$refserver.Salt00$"
	"Uh1vT4ICjwTkBT/PoXLlI7FsEE..OPJJZcNOLNla0ipJGV6ea.f6bhbxcLxw"
	"K5U0hn0pik/t3LNDTvghUvBjZ2\", \"user\": \"user@example.com\"}",
    .encode_request = dict_encode_request,
    .decode_reply = dict_decode_reply,
    .decode_request = dict_decode_request,
    .encode_found = dict_encode_found,
    .encode_preamble = dict_encode_preamble,
};
