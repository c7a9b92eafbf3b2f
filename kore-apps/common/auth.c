/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.c: how the services know who calls them. A caller that signs
 * (svc_auth_sign_calls: the gateway) sends with every call
 *
 *	authorization: SVC-HMAC-SHA256 caller=NAME,key=ID,ts=UNIX,
 *	    nonce=HEX32,target=SERVICE,sig=HEX
 *
 * where sig is HMAC-SHA256(secret of key ID, "METHOD\nTARGET\nPATH?QUERY\n
 * UNIX\nNONCE\n" + hex SHA-256 of the body): the method, the service it is
 * for (svc_auth_target names the services behind the caller's base URLs),
 * the target with its query, the time, a random nonce and the body. A
 * service that requires it (svc_auth_require: the three internal ones)
 * verifies every call to a route of its own but /health, /ready and
 * /metrics: the caller and key are among SERVICE_AUTH_ACCEPT
 * (caller/id:secret, comma-separated: two keys of one caller are accepted
 * at once while it rotates; SERVICE_AUTH_ACCEPT_<SERVICE> instead when
 * set, so that each callee holds its own key only), the target is this
 * service, the time within
 * SERVICE_AUTH_SKEW_S of ours (at most AUTH_FUTURE_S ahead of it), the
 * signature right (compared in constant time), and the nonce new: each
 * signed call is served once, by whichever worker (replay.c keeps the
 * nonces, for as long as the signature is valid, in memory all workers
 * share); one sent again is refused, 401 replayed. A call signed with a
 * key of one caller cannot pass as another's, nor one for a service as a
 * call to another. The scheme name is matched without
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

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/curl.h>

#include "route.h"
#include "strbuf.h"
#include "svc_auth.h"
#include "svc_env.h"
#include "svc_identity.h"
#include "svc_replay.h"
#include "svc_reply.h"
#include "svc_request.h"
#include "svc_util.h"

#define AUTH_SCHEME		"SVC-HMAC-SHA256"
#define AUTH_KEYS_MAX		8
#define AUTH_SECRET_MAX		128
#define AUTH_FUTURE_S		30	/* a signature's time ahead of ours */

struct auth_key {
	char		caller[64];	/* accepted: whose; signing: ours */
	char		target[64];	/* signing: the callee, "" any */
	char		id[32];
	u_int8_t	secret[AUTH_SECRET_MAX];
	size_t		secret_len;
};

static struct auth_key	sign_keys[AUTH_KEYS_MAX];	/* when it signs */
static size_t		nsign_keys;
static struct {
	char	base[256];	/* a base URL this service calls */
	char	name[64];	/* the service behind it */
} targets[8];
static size_t		ntargets;
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

/*
 * The calls this service makes to the others are signed with keys (the
 * gateway's SERVICE_AUTH_KEY): comma-separated, each "callee=id:secret" (a key per
 * callee: one callee's key is worth nothing at another) or "id:secret"
 * (for every callee without a key of its own).
 */
void
svc_auth_sign_calls(const char *keys)
{
	struct auth_key	*k;
	const char	*v, *p, *end, *eq, *colon;
	size_t		 len;

	v = keys;
	if (*v == '\0') {
		kore_log(LOG_WARNING, "auth: SERVICE_AUTH_KEY is not set: calls"
		    " go unsigned and the other services refuse them");
		return;
	}
	for (p = v; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		if ((len = (size_t)(end - p)) == 0)
			continue;
		if (nsign_keys == AUTH_KEYS_MAX)
			fatal("auth: SERVICE_AUTH_KEY: more than %d keys",
			    AUTH_KEYS_MAX);
		k = &sign_keys[nsign_keys];
		eq = memchr(p, '=', len);
		colon = memchr(p, ':', len);
		if (eq != NULL && (colon == NULL || eq < colon)) {
			if (eq == p || (size_t)(eq - p) >= sizeof(k->target))
				fatal("auth: SERVICE_AUTH_KEY: a callee name"
				    " of 1 to %zu characters",
				    sizeof(k->target) - 1);
			memcpy(k->target, p, (size_t)(eq - p));
			k->target[eq - p] = '\0';
			len -= (size_t)(eq - p) + 1;
			p = eq + 1;
		}
		if (!key_parse(p, len, k))
			fatal("auth: SERVICE_AUTH_KEY: each key is"
			    " [callee=]id:secret (a secret of 16 to %d"
			    " characters)", AUTH_SECRET_MAX);
		(void)snprintf(k->caller, sizeof(k->caller), "%s", svc_name());
		nsign_keys++;
	}
}

/* The key for calls to target: its own, else the one for any callee. */
static const struct auth_key *
sign_key_for(const char *target)
{
	const struct auth_key	*any = NULL;
	size_t			 i;

	for (i = 0; i < nsign_keys; i++) {
		if (sign_keys[i].target[0] == '\0' && any == NULL)
			any = &sign_keys[i];
		else if (strcmp(sign_keys[i].target, target) == 0)
			return (&sign_keys[i]);
	}
	return (any);
}

/* The calls to URLs under base go to the service name (signed for it). */
void
svc_auth_target(const char *base, const char *name)
{
	if (ntargets == sizeof(targets) / sizeof(targets[0]))
		fatal("auth: too many call targets");
	(void)snprintf(targets[ntargets].base, sizeof(targets[0].base), "%s",
	    base);
	(void)snprintf(targets[ntargets].name, sizeof(targets[0].name), "%s",
	    name);
	ntargets++;
}

/* The service a URL is for: the longest base it starts with, or "". */
static const char *
url_target(const char *url)
{
	const char	*name = "";
	size_t		 i, n, best = 0;

	for (i = 0; i < ntargets; i++) {
		n = strlen(targets[i].base);
		if (n > best && strncmp(url, targets[i].base, n) == 0 &&
		    (url[n] == '\0' || url[n] == '/' || url[n] == '?' ||
		    targets[i].base[n - 1] == '/')) {
			best = n;
			name = targets[i].name;
		}
	}
	return (name);
}

/*
 * Calls to this service's routes must be signed (SERVICE_AUTH=off: not)
 * with one of the keys of accept (the service's own variable, which falls
 * back to SERVICE_AUTH_ACCEPT).
 */
void
svc_auth_require(const char *accept)
{
	const char	*v, *p, *end, *slash;
	size_t		 len;

	skew_s = svc_env_int("SERVICE_AUTH_SKEW_S", 60, 1, 3600);
	if (strcmp(svc_env_str("SERVICE_AUTH", "required"), "off") == 0) {
		kore_log(LOG_WARNING, "auth: SERVICE_AUTH=off: every caller is"
		    " trusted (for development only)");
		return;
	}
	requiring = 1;
	v = accept;
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

/* What a signature covers, besides the key. */
struct signed_call {
	const char	*method;
	const char	*target;	/* the service it is for */
	const char	*path;		/* with its query */
	const char	*query;		/* or NULL: in path already */
	long long	 ts;
	const char	*nonce;		/* 32 hex characters */
	const char	*body_sha;
};

/* sig into out (65 bytes) for key k over the call's parts. */
static void
sign(const struct auth_key *k, const struct signed_call *c, char *out)
{
	u_int8_t	mac[EVP_MAX_MD_SIZE];
	unsigned int	maclen;
	char		text[4096 + 256];
	int		n;

	n = snprintf(text, sizeof(text), "%s\n%s\n%s%s%s\n%lld\n%s\n%s",
	    c->method, c->target, c->path, c->query != NULL ? "?" : "",
	    c->query != NULL ? c->query : "", c->ts, c->nonce, c->body_sha);
	if (n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	maclen = 0;
	(void)HMAC(EVP_sha256(), k->secret, (int)k->secret_len,
	    (const u_int8_t *)text, (size_t)n, mac, &maclen);
	svc_hex(mac, maclen > 32 ? 32 : maclen, out);
}

/* The target of a URL: what follows scheme://host[:port], query included. */
static void
url_path(const char *url, char *out, size_t len)
{
	const char	*p;
	size_t		n;

	if ((p = strstr(url, "://")) != NULL)
		p = p + 3 + strcspn(p + 3, "/?#");
	if (p == NULL || *p == '\0' || *p == '#')
		p = "/";
	n = strcspn(p, "#");
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
	const struct auth_key	*k;
	struct signed_call	 c;
	u_int8_t		 digest[SHA256_DIGEST_LENGTH];
	char			 body_sha[65], sig[65], path[4096], value[640];
	char			 nonce[2 * SVC_NONCE_LEN + 1];

	if (nsign_keys == 0)
		return;
	c.target = url_target(url);
	if ((k = sign_key_for(c.target)) == NULL) {
		kore_log(LOG_WARNING, "auth: no key in SERVICE_AUTH_KEY for %s:"
		    " the call goes unsigned", *c.target ? c.target : url);
		return;
	}
	(void)SHA256((const u_int8_t *)(body != NULL ? body : ""), body_len,
	    digest);
	svc_hex(digest, sizeof(digest), body_sha);
	url_path(url, path, sizeof(path));
	svc_random_hex(nonce, 2 * SVC_NONCE_LEN);
	c.method = http_method_text(method);
	c.path = path;
	c.query = NULL;
	c.ts = (long long)time(NULL);
	c.nonce = nonce;
	c.body_sha = body_sha;
	sign(k, &c, sig);
	(void)snprintf(value, sizeof(value), AUTH_SCHEME " caller=%s,key=%s,"
	    "ts=%lld,nonce=%s,target=%s,sig=%s", k->caller, k->id, c.ts,
	    nonce, c.target, sig);
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

/* What a call's authorization header presents. */
struct presented {
	char		caller[64];
	char		id[32];
	char		ts[24];
	char		nonce[2 * SVC_NONCE_LEN + 8];
	u_int8_t	raw[SVC_NONCE_LEN];	/* the nonce's bytes */
	char		target[64];
	char		sig[80];
};

/* The parts of an AUTH_SCHEME header into p; 0 when it is not one. */
static int
presented_parse(const char *h, struct presented *p)
{
	if (strncasecmp(h, AUTH_SCHEME " ", sizeof(AUTH_SCHEME)) != 0)
		return (0);
	h += sizeof(AUTH_SCHEME);
	return (param(h, "caller", p->caller, sizeof(p->caller)) &&
	    param(h, "key", p->id, sizeof(p->id)) &&
	    param(h, "ts", p->ts, sizeof(p->ts)) &&
	    param(h, "nonce", p->nonce, sizeof(p->nonce)) &&
	    svc_unhex(p->nonce, p->raw, sizeof(p->raw)) &&
	    param(h, "target", p->target, sizeof(p->target)) &&
	    param(h, "sig", p->sig, sizeof(p->sig)) && strlen(p->sig) == 64);
}

/* The accepted key the call names, or NULL. */
static const struct auth_key *
accepted_key(const struct presented *p)
{
	size_t	i;

	for (i = 0; i < naccepted; i++) {
		if (strcmp(accepted[i].caller, p->caller) == 0 &&
		    strcmp(accepted[i].id, p->id) == 0)
			return (&accepted[i]);
	}
	return (NULL);
}

/* Is p's signature, with key k at time t, the one of req for us? */
static int
signature_ok(struct http_request *req, const struct auth_key *k,
    const struct presented *p, long long t)
{
	struct signed_call	 c;
	char			 want[65], body_sha[HTTP_BODY_DIGEST_STRLEN];

	if (req->http_body_length == 0 ||
	    http_body_digest(req, body_sha, sizeof(body_sha)) !=
	    KORE_RESULT_OK)
		(void)snprintf(body_sha, sizeof(body_sha), "%s",
		    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		    "7852b855");
	/* The target it was signed for is in the signature: ours. */
	c.method = http_method_text(req->method);
	c.target = svc_name();
	c.path = req->path;
	c.query = req->query_string;
	c.ts = t;
	c.nonce = p->nonce;
	c.body_sha = body_sha;
	sign(k, &c, want);
	if (CRYPTO_memcmp(want, p->sig, 64) == 0)
		return (1);
	kore_log(LOG_NOTICE, "auth: refused: a bad signature with key %s of "
	    "caller %s%s", p->id, p->caller, strcmp(p->target, svc_name()) ?
	    " (signed for another service)" : "");
	return (0);
}

/*
 * Does req come from a caller we accept? 1, or 0 after answering a JSON
 * 401 (the reason in its code). Health and readiness need no credential.
 */
int
svc_auth_check(struct http_request *req, const struct svc_request *sr)
{
	const struct auth_key	*k;
	struct presented	 p;
	const char		*h, *why, *code;
	long long		 t, now;

	if (!requiring || sr->kind != SVC_ROUTE_WORK)
		return (1);

	code = "unauthenticated";
	why = "this service answers only its callers: the call needs an"
	    " authorization header (" AUTH_SCHEME ")";
	if ((h = svc_header(req, "authorization")) == NULL)
		goto refuse;
	why = "the authorization header is not " AUTH_SCHEME " caller=,key=,"
	    "ts=,nonce=,target=,sig=";
	if (!presented_parse(h, &p))
		goto refuse;

	why = "the signature does not match the call";
	if ((k = accepted_key(&p)) == NULL) {
		kore_log(LOG_NOTICE, "auth: refused: no key %s of caller %s",
		    p.id, p.caller);
		goto refuse;
	}

	code = "stale_signature";
	why = "the signature's time is too far from ours";
	t = strtoll(p.ts, NULL, 10);
	now = (long long)time(NULL);
	if (t <= 0 || t < now - skew_s ||
	    t > now + (skew_s < AUTH_FUTURE_S ? skew_s : AUTH_FUTURE_S))
		goto refuse;

	/* A bad signature: the same code and words as an unknown key. */
	code = "unauthenticated";
	why = "the signature does not match the call";
	if (!signature_ok(req, k, &p, t))
		goto refuse;

	/* Each signed call once: until the signature would be stale anyway. */
	switch (svc_replay_check(p.raw, t + skew_s + 1, now)) {
	case SVC_REPLAY_NEW:
		return (1);
	case SVC_REPLAY_SEEN:
		kore_log(LOG_NOTICE, "auth: refused: a replay (nonce %s, key %s"
		    " of caller %s)", p.nonce, p.id, p.caller);
		code = "replayed";
		why = "this signed call was already served: each is served once";
		goto refuse;
	default:
		kore_log(LOG_ERR, "auth: the replay cache is full: a signed call"
		    " is refused");
		svc_reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "replay_cache_full", "too many signed calls at once;"
		    " retry later");
		return (0);
	}

refuse:
	http_response_header(req, "www-authenticate", AUTH_SCHEME);
	svc_reply_error(req, 401, code, "%s", why);
	return (0);
}
