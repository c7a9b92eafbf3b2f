/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.c: how the services know who calls them. A caller that signs
 * (svc_auth_sign_calls: the gateway) sends with every call
 *
 *	authorization: SVC-HMAC-SHA256 caller=NAME,key=ID,ts=UNIX,sig=HEX
 *
 * where sig is HMAC-SHA256(secret of key ID, "METHOD\nPATH\nUNIX\n" +
 * hex SHA-256 of the body). A service that requires it (svc_auth_require:
 * the three internal ones) verifies every call to a route of its own but
 * /health, /ready and /metrics: the caller and key are among
 * SERVICE_AUTH_ACCEPT (caller/id:secret, comma-separated: two keys of one
 * caller are accepted at once while it rotates), the time within
 * SERVICE_AUTH_SKEW_S of ours (at most AUTH_FUTURE_S ahead of it), the
 * signature right (compared in constant time). A call signed with a key of
 * one caller cannot pass as another's. The scheme name is matched without
 * regard to case (RFC 9110). What is refused gets a JSON 401 saying why,
 * never what the right answer would have been: an unknown key and a wrong
 * signature are one code, unauthenticated (only the log tells them apart),
 * so that a stranger cannot learn which key ids exist.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "svc.h"

#define AUTH_SCHEME		"SVC-HMAC-SHA256"
#define AUTH_KEYS_MAX		8
#define AUTH_SECRET_MAX		128
#define AUTH_FUTURE_S		30	/* a signature's time ahead of ours */

struct auth_key {
	char		caller[64];
	char		id[32];
	u_int8_t	secret[AUTH_SECRET_MAX];
	size_t		secret_len;
};

static struct auth_key	sign_key;	/* this service's, when it signs */
static int		signing;
static struct auth_key	accepted[AUTH_KEYS_MAX];
static size_t		naccepted;
static int		requiring;
static long long	skew_s;

/* "id:secret" into k; the secret is taken as its bytes. */
static int
key_parse(const char *s, size_t len, struct auth_key *k)
{
	const char	*colon;
	size_t		idlen, n;

	if ((colon = memchr(s, ':', len)) == NULL)
		return (0);
	idlen = (size_t)(colon - s);
	n = len - idlen - 1;
	if (idlen == 0 || idlen >= sizeof(k->id) || n < 16 ||
	    n > sizeof(k->secret))
		return (0);
	memcpy(k->id, s, idlen);
	k->id[idlen] = '\0';
	memcpy(k->secret, colon + 1, n);
	k->secret_len = n;
	return (1);
}

/* The calls this service makes to the others are signed with SERVICE_AUTH_KEY. */
void
svc_auth_sign_calls(void)
{
	const char	*v;

	v = svc_env_str("SERVICE_AUTH_KEY", "");
	if (*v == '\0') {
		kore_log(LOG_WARNING, "auth: SERVICE_AUTH_KEY is not set: calls"
		    " go unsigned and the other services refuse them");
		return;
	}
	if (!key_parse(v, strlen(v), &sign_key))
		fatal("auth: SERVICE_AUTH_KEY must be id:secret (a secret of"
		    " 16 to %d characters)", AUTH_SECRET_MAX);
	(void)snprintf(sign_key.caller, sizeof(sign_key.caller), "%s",
	    svc_name());
	signing = 1;
}

/* Calls to this service's routes must be signed (SERVICE_AUTH=off: not). */
void
svc_auth_require(void)
{
	const char	*v, *p, *end, *slash;
	size_t		len;

	skew_s = svc_env_int("SERVICE_AUTH_SKEW_S", 300, 1, 86400);
	if (strcmp(svc_env_str("SERVICE_AUTH", "required"), "off") == 0) {
		kore_log(LOG_WARNING, "auth: SERVICE_AUTH=off: every caller is"
		    " trusted (for development only)");
		return;
	}
	requiring = 1;
	v = svc_env_str("SERVICE_AUTH_ACCEPT", "");
	for (p = v; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		len = (size_t)(end - p);
		if (len == 0)
			continue;
		if (naccepted == AUTH_KEYS_MAX)
			fatal("auth: SERVICE_AUTH_ACCEPT: more than %d keys",
			    AUTH_KEYS_MAX);
		if ((slash = memchr(p, '/', len)) == NULL ||
		    slash == p || (size_t)(slash - p) >=
		    sizeof(accepted[0].caller) ||
		    !key_parse(slash + 1, len - (size_t)(slash - p) - 1,
		    &accepted[naccepted]))
			fatal("auth: SERVICE_AUTH_ACCEPT: each key is"
			    " caller/id:secret (a secret of 16 to %d"
			    " characters)", AUTH_SECRET_MAX);
		memcpy(accepted[naccepted].caller, p, (size_t)(slash - p));
		accepted[naccepted].caller[slash - p] = '\0';
		naccepted++;
	}
	if (naccepted == 0)
		kore_log(LOG_WARNING, "auth: SERVICE_AUTH_ACCEPT lists no key:"
		    " every call is refused");
}

/* sig into out (65 bytes) for key k over the call's parts. */
static void
sign(const struct auth_key *k, const char *method, const char *path,
    long long ts, const char *body_sha, char *out)
{
	u_int8_t	mac[EVP_MAX_MD_SIZE];
	unsigned int	maclen;
	char		text[2048 + 160];
	int		n;

	n = snprintf(text, sizeof(text), "%s\n%s\n%lld\n%s", method, path, ts,
	    body_sha);
	if (n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	maclen = 0;
	(void)HMAC(EVP_sha256(), k->secret, (int)k->secret_len,
	    (const u_int8_t *)text, (size_t)n, mac, &maclen);
	svc_hex(mac, maclen > 32 ? 32 : maclen, out);
}

/* The path of a URL: what follows scheme://host[:port], without a query. */
static void
url_path(const char *url, char *out, size_t len)
{
	const char	*p;
	size_t		n;

	if ((p = strstr(url, "://")) != NULL)
		p = strchr(p + 3, '/');
	if (p == NULL)
		p = "/";
	n = strcspn(p, "?#");
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* The authorization header of a call, when this service signs. */
void
svc_auth_sign(struct kore_curl *curl, int method, const char *url,
    const char *body, size_t body_len)
{
	u_int8_t	digest[SHA256_DIGEST_LENGTH];
	char		body_sha[65], sig[65], path[2048], value[512];
	long long	now;

	if (!signing)
		return;
	now = (long long)time(NULL);
	(void)SHA256((const u_int8_t *)(body != NULL ? body : ""), body_len,
	    digest);
	svc_hex(digest, sizeof(digest), body_sha);
	url_path(url, path, sizeof(path));
	sign(&sign_key, http_method_text(method), path, now, body_sha, sig);
	(void)snprintf(value, sizeof(value), AUTH_SCHEME " caller=%s,key=%s,"
	    "ts=%lld,sig=%s", sign_key.caller, sign_key.id, now, sig);
	kore_curl_http_set_header(curl, "authorization", value);
}

/* One "name=value" of the header's list into out, or 0. */
static int
param(const char *list, const char *name, char *out, size_t len)
{
	const char	*p, *end;
	size_t		nl, vl;

	nl = strlen(name);
	for (p = list; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		while (*p == ' ')
			p++;
		end = p + strcspn(p, ",");
		if ((size_t)(end - p) > nl && strncmp(p, name, nl) == 0 &&
		    p[nl] == '=') {
			vl = (size_t)(end - p) - nl - 1;
			if (vl == 0 || vl >= len)
				return (0);
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return (1);
		}
	}
	return (0);
}

/* Does this service take only signed calls (an internal one)? */
int
svc_auth_requiring(void)
{
	return (requiring);
}

/*
 * Does req come from a caller we accept? 1, or 0 after answering a JSON
 * 401 (the reason in its code). Health and readiness need no credential.
 */
int
svc_auth_check(struct http_request *req, const struct svc_route *route)
{
	const struct auth_key	*k;
	const char		*h, *why, *code;
	char			caller[64], id[32], ts[24], sig[80], want[65];
	char			body_sha[HTTP_BODY_DIGEST_STRLEN];
	long long		t, now;
	size_t			i;

	if (!requiring || route->handler == svc_health ||
	    route->handler == svc_metrics ||
	    strcmp(route->pattern, "/ready") == 0)
		return (1);

	code = "unauthenticated";
	why = "this service answers only its callers: the call needs an"
	    " authorization header (" AUTH_SCHEME ")";
	if ((h = svc_header(req, "authorization")) == NULL)
		goto refuse;
	why = "the authorization header is not " AUTH_SCHEME " caller=,key=,"
	    "ts=,sig=";
	if (strncasecmp(h, AUTH_SCHEME " ", sizeof(AUTH_SCHEME)) != 0)
		goto refuse;
	h += sizeof(AUTH_SCHEME);
	if (!param(h, "caller", caller, sizeof(caller)) ||
	    !param(h, "key", id, sizeof(id)) ||
	    !param(h, "ts", ts, sizeof(ts)) ||
	    !param(h, "sig", sig, sizeof(sig)) || strlen(sig) != 64)
		goto refuse;

	why = "the signature does not match the call";
	for (i = 0, k = NULL; i < naccepted; i++) {
		if (strcmp(accepted[i].caller, caller) == 0 &&
		    strcmp(accepted[i].id, id) == 0) {
			k = &accepted[i];
			break;
		}
	}
	if (k == NULL) {
		kore_log(LOG_NOTICE, "auth: refused: no key %s of caller %s",
		    id, caller);
		goto refuse;
	}

	code = "stale_signature";
	why = "the signature's time is too far from ours";
	t = strtoll(ts, NULL, 10);
	now = (long long)time(NULL);
	if (t <= 0 || t < now - skew_s ||
	    t > now + (skew_s < AUTH_FUTURE_S ? skew_s : AUTH_FUTURE_S))
		goto refuse;

	if (req->http_body_length == 0 ||
	    http_body_digest(req, body_sha, sizeof(body_sha)) !=
	    KORE_RESULT_OK)
		(void)snprintf(body_sha, sizeof(body_sha), "%s",
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		    "7852b855");
	sign(k, http_method_text(req->method), req->path, t, body_sha, want);
	code = "unauthenticated";
	if (CRYPTO_memcmp(want, sig, 64) != 0) {
		kore_log(LOG_NOTICE, "auth: refused: a bad signature with key "
		    "%s of caller %s", id, caller);
		goto refuse;
	}
	return (1);

refuse:
	http_response_header(req, "www-authenticate", AUTH_SCHEME);
	svc_reply_error(req, 401, code, "%s", why);
	return (0);
}
