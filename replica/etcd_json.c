/* etcd_json: JSON and base64 helpers of the etcd client; see etcd.h. */
#include "etcd.h"

#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>

struct json_object *etcd_json_bytes(const void *data, size_t len)
{
	size_t out_len = BASE64_ENCODE_RAW_LENGTH(len);
	char *out = malloc(out_len + 1);
	struct json_object *obj;

	if (out == NULL)
		abort();
	base64_encode_raw(out, len, data);
	out[out_len] = '\0';
	obj = json_object_new_string_len(out, (int)out_len);
	free(out);
	return obj;
}

int etcd_json_get_bytes(struct json_object *obj, const char *name,
			char **data_r, size_t *len_r)
{
	struct json_object *member;
	struct base64_decode_ctx ctx;
	const char *text = "";
	size_t text_len = 0, out_len;
	char *out;

	if (json_object_object_get_ex(obj, name, &member)) {
		text = json_object_get_string(member);
		text_len = (size_t)json_object_get_string_len(member);
	}
	out = malloc(BASE64_DECODE_LENGTH(text_len) + 1);
	if (out == NULL)
		abort();
	base64_decode_init(&ctx);
	out_len = BASE64_DECODE_LENGTH(text_len);
	if (!base64_decode_update(&ctx, &out_len, (uint8_t *)out, text_len,
				  text) ||
	    !base64_decode_final(&ctx)) {
		free(out);
		return -1;
	}
	out[out_len] = '\0';
	*data_r = out;
	*len_r = out_len;
	return 0;
}

uint64_t etcd_json_get_u64(struct json_object *obj, const char *name)
{
	struct json_object *member;

	if (!json_object_object_get_ex(obj, name, &member))
		return 0;
	if (json_object_is_type(member, json_type_string))
		return strtoull(json_object_get_string(member), NULL, 10);
	return (uint64_t)json_object_get_int64(member);
}

uint64_t etcd_json_revision(struct json_object *response)
{
	struct json_object *header;

	if (!json_object_object_get_ex(response, "header", &header))
		return 0;
	return etcd_json_get_u64(header, "revision");
}

const char *etcd_json_get_string(struct json_object *obj, const char *name)
{
	struct json_object *member;

	if (!json_object_object_get_ex(obj, name, &member))
		return "";
	return json_object_get_string(member);
}
