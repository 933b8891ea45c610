/* fields_text: parsers of the text-like field types; see fields_internal.h. */
#include "fields_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "names.h"
#include "password.h"

bool fields_has_control(const char *s, bool allow_newlines)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	     p++) {
		if (allow_newlines && (*p == '\n' || *p == '\t'))
			continue;
		if (*p < 0x20 || *p == 0x7f)
			return true;
	}
	return false;
}

void fields_set_str(const struct fields_env *env,
		    const struct field_desc *field, void *rec,
		    const char *value)
{
	*RECORD_FIELD(rec, field, const char *) =
	    arena_strdup(env->arena, value);
}

static int fields_check_name(const char *text, const char **error_r)
{
	size_t len = strlen(text);

	if (len == 0 || len > FIELDS_NAME_MAX) {
		*error_r = "must be 1 to 64 characters";
		return -1;
	}
	if (!isalnum((unsigned char)text[0])) {
		*error_r = "must start with a letter or digit";
		return -1;
	}
	for (const char *p = text; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("._-", *p) == NULL) {
			*error_r = "may contain only letters, digits, '.', '_' "
				   "and '-'";
			return -1;
		}
	}
	return 0;
}

static char *fields_lower(struct arena *arena, const char *text)
{
	char *copy = arena_strdup(arena, text);

	for (char *p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

int parse_name(const struct fields_env *env, const struct field_desc *field,
	       const char *text, void *rec, const char **error_r)
{
	if (text[0] == '\0' && (field->flags & (FF_KEY | FF_REQUIRED)) == 0) {
		fields_set_str(env, field, rec, "");
		return 0;
	}
	if (fields_check_name(text, error_r) < 0)
		return -1;
	*RECORD_FIELD(rec, field, const char *) =
	    fields_lower(env->arena, text);
	return 0;
}

int parse_text(const struct fields_env *env, const struct field_desc *field,
	       const char *text, void *rec, const char **error_r)
{
	bool multiline = field->type == FT_LONGTEXT;
	size_t max = multiline ? FIELDS_LONGTEXT_MAX : FIELDS_TEXT_MAX;
	size_t len = strlen(text);

	if (len > max) {
		*error_r = multiline ? "is longer than 65536 bytes"
				     : "is longer than 256 bytes";
		return -1;
	}
	if (!names_is_valid_utf8(text, len)) {
		*error_r = "is not valid UTF-8";
		return -1;
	}
	if (fields_has_control(text, multiline)) {
		*error_r = "contains control characters";
		return -1;
	}
	fields_set_str(env, field, rec, text);
	return 0;
}

typedef int normalize_fn(const char *in, size_t len, char *out,
			 const char **error_r);

/* Domains and addresses: normalised, or "" where the field is optional. */
static int parse_normalized(const struct fields_env *env,
			    const struct field_desc *field, const char *text,
			    void *rec, normalize_fn *normalize,
			    const char **error_r)
{
	char out[NAMES_ADDRESS_MAX + 1];

	if (text[0] == '\0' && (field->flags & (FF_KEY | FF_REQUIRED)) == 0) {
		fields_set_str(env, field, rec, "");
		return 0;
	}
	if (normalize(text, strlen(text), out, error_r) < 0)
		return -1;
	fields_set_str(env, field, rec, out);
	return 0;
}

int parse_domain(const struct fields_env *env, const struct field_desc *field,
		 const char *text, void *rec, const char **error_r)
{
	return parse_normalized(env, field, text, rec, names_domain_normalize,
				error_r);
}

int parse_address(const struct fields_env *env, const struct field_desc *field,
		  const char *text, void *rec, const char **error_r)
{
	return parse_normalized(env, field, text, rec, names_address_normalize,
				error_r);
}

int parse_offer(const struct fields_env *env, const struct field_desc *field,
		const char *text, void *rec, const char **error_r)
{
	const char *slash = strchr(text, '/');
	char customer[FIELDS_NAME_MAX + 1];
	size_t len;

	if (slash == NULL) {
		*error_r = "must be CUSTOMER/OFFER";
		return -1;
	}
	len = (size_t)(slash - text);
	if (len > FIELDS_NAME_MAX) {
		*error_r = "customer part is longer than 64 characters";
		return -1;
	}
	memcpy(customer, text, len);
	customer[len] = '\0';
	if (fields_check_name(customer, error_r) < 0 ||
	    fields_check_name(slash + 1, error_r) < 0)
		return -1;
	*RECORD_FIELD(rec, field, const char *) =
	    fields_lower(env->arena, text);
	return 0;
}

/* LDH labels; the last one not all digits (RFC 3696 2), so that a mistyped
 * IPv4 address ("10.0.0.256") is not taken for a name. */
static bool fields_is_hostname(const char *text)
{
	size_t label = 0, len = strlen(text);
	bool digits = true;

	if (len == 0 || len > NAMES_DOMAIN_MAX)
		return false;
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
			digits = true;
		} else if (isalnum((unsigned char)*p) ||
			   (*p == '-' && label != 0)) {
			if (++label > NAMES_LABEL_MAX)
				return false;
			digits = digits && isdigit((unsigned char)*p);
		} else {
			return false;
		}
	}
	return label != 0 && text[len - 1] != '-' && !digits;
}

int parse_host(const struct fields_env *env, const struct field_desc *field,
	       const char *text, void *rec, const char **error_r)
{
	unsigned char addr[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, text, addr) == 1 ||
	    inet_pton(AF_INET6, text, addr) == 1 || fields_is_hostname(text)) {
		*RECORD_FIELD(rec, field, const char *) =
		    fields_lower(env->arena, text);
		return 0;
	}
	*error_r = "is not a host name or an IP address";
	return -1;
}

bool fields_has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2) {
		bool starts = p == path || p[-1] == '/';
		bool ends = p[2] == '\0' || p[2] == '/';
		if (starts && ends)
			return true;
	}
	return false;
}

int parse_path(const struct fields_env *env, const struct field_desc *field,
	       const char *text, void *rec, const char **error_r)
{
	bool absolute = field->type == FT_PATH;

	if (text[0] == '\0' && !absolute) {
		fields_set_str(env, field, rec, "");
		return 0;
	}
	if (strlen(text) > FIELDS_PATH_MAX) {
		*error_r = "is longer than 1024 bytes";
		return -1;
	}
	if (absolute != (text[0] == '/')) {
		*error_r = absolute ? "must be an absolute path"
				    : "must be a relative path";
		return -1;
	}
	if (fields_has_dotdot(text) || fields_has_control(text, false) ||
	    !names_is_valid_utf8(text, strlen(text))) {
		*error_r = "must not contain '..', control characters or "
			   "invalid UTF-8";
		return -1;
	}
	fields_set_str(env, field, rec, text);
	return 0;
}

int parse_secret(const struct fields_env *env, const struct field_desc *field,
		 const char *text, void *rec, const char **error_r)
{
	char out[PASSWORD_HASH_MAX];

	if (password_prepare(text, strlen(text), env->password_scheme,
			     env->password_rounds, out, error_r) < 0)
		return -1;
	fields_set_str(env, field, rec, out);
	return 0;
}
