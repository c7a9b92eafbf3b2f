/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notification-service: sends the order confirmation e-mail. Renders the
 * RFC 5322 message (mail.c) and delivers it into a Maildir by default, on
 * the delivery threads of mailq.c (a Maildir delivery fsyncs: the worker
 * does not wait for the disk), or, with SMTP_URL set, through SMTP with
 * Kore's async curl client. Either way the worker keeps serving while the
 * message travels. Its only caller is the api-gateway.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "route.h"
#include "svc_auth.h"
#include "svc_call.h"
#include "svc_env.h"
#include "svc_hooks.h"
#include "svc_identity.h"
#include "svc_metrics.h"
#include "svc_reply.h"
#include "svc_request.h"
#include "svc_trace.h"
#include "svc_util.h"
#include "validate.h"

#include "mail.h"
#include "mailq.h"
#include "sent.h"

#include <tracing.h>

struct notify {
	json_t			*body;
	char			*message;
	char			msgid[MAIL_MSGID_MAX];
	struct kore_buf		*upload;
	struct curl_slist	*rcpt;
	struct kore_curl	curl;
	int			sending;
	struct mailq_job	*job;		/* Maildir delivery */
	int			delivered;	/* job came back */
	struct tracing_span	*deliver;	/* deliver_email */
	char			order[SENT_ORDER_MAX];	/* claimed in sent.c */
};

void		kore_worker_configure(void);
void		svc_service_parent(void);

static int	notify(struct http_request *, struct svc_match *);
static int	ready(struct http_request *, struct svc_match *);

static const struct svc_route routes[] = {
	{ HTTP_METHOD_POST, "/v1/notifications", notify },
	{ HTTP_METHOD_GET, "/health", svc_health },
	{ HTTP_METHOD_GET, "/metrics", svc_metrics },
	{ HTTP_METHOD_GET, "/ready", ready },
};

static const char	*mail_from;
static const char	*maildir;
static const char	*smtp_url;
static long		 smtp_timeout_ms;
static struct mailq	*mailq;

static void	mailq_ready(void *, int);
static void	mailq_teardown(void);

/* Kore calls handle when the queue's eventfd is readable. */
#define NOTIFY_TYPE_MAILQ	100	/* Kore dispatches on handle alone */
static struct kore_event mailq_event = { NOTIFY_TYPE_MAILQ, 0, mailq_ready };

/* In the parent: the table of confirmations sent, which workers share. */
void
svc_service_parent(void)
{
	sent_map();
}

void
kore_worker_configure(void)
{
	char	addr[256];
	int	rc;

	svc_init("notification-service", routes,
	    sizeof(routes) / sizeof(routes[0]));
	/* Its own key alone when set; else the keys every callee takes. */
	svc_auth_require(svc_env_str("SERVICE_AUTH_ACCEPT_NOTIFICATION_SERVICE",
	    svc_env_str("SERVICE_AUTH_ACCEPT", "")));
	mail_from = svc_env_str("MAIL_FROM",
	    "Coffee Shop <orders@shop.example>");
	maildir = svc_env_str("MAILDIR", ".run/maildir");
	smtp_url = svc_env_str("SMTP_URL", NULL);
	smtp_timeout_ms = svc_env_int("NOTIFICATION_SMTP_TIMEOUT_MS", 10000,
	    100, 600000);
	if (!mail_address(mail_from, addr, sizeof(addr)))
		fatal("MAIL_FROM '%s' has no usable address", mail_from);
	if (smtp_url == NULL) {
		if ((rc = mailq_start(&mailq, maildir,
		    (int)svc_env_int("NOTIFICATION_DELIVERY_THREADS", 2, 1, 64),
		    (size_t)svc_env_int("NOTIFICATION_DELIVERY_QUEUE", 1024, 1,
		    1000000))) != 0)
			fatal("Maildir delivery threads: %s", strerror(rc));
		kore_platform_event_level_read(mailq_fd(mailq), &mailq_event);
		svc_on_teardown(mailq_teardown);
	}
}

static void
job_free(struct mailq_job *j)
{
	free(j->msg);
	free(j);
}

/*
 * Completed Maildir deliveries: wake the request that waits for each, or
 * free the job when that request is gone (the client left meanwhile).
 */
static void
mailq_complete(struct mailq_job *j)
{
	struct mailq_job	*next;
	struct http_request	*req;
	struct notify		*st;

	for (; j != NULL; j = next) {
		next = j->next;
		if ((req = j->arg) == NULL) {
			job_free(j);
			continue;
		}
		st = svc_state_get(req);
		st->delivered = 1;
		http_request_wakeup(req);
	}
}

static void
mailq_ready(void *arg, int error)
{
	(void)arg;
	(void)error;
	mailq_complete(mailq_done(mailq));
}

/* The worker exits: what is queued is still delivered. */
static void
mailq_teardown(void)
{
	mailq_stop(mailq);
	mailq_complete(mailq_done(mailq));
}

static void
notify_free(struct http_request *req)
{
	struct notify	*st = svc_state_get(req);

	json_decref(st->body);
	free(st->message);
	if (st->sending)
		kore_curl_cleanup(&st->curl);
	if (st->job != NULL) {
		if (st->delivered)
			job_free(st->job);
		else
			st->job->arg = NULL;	/* mailq_complete frees it */
	}
	if (st->upload != NULL)
		kore_buf_free(st->upload);
	if (st->rcpt != NULL)
		curl_slist_free_all(st->rcpt);
	if (st->deliver != NULL) {
		(void)tracing_span_set_status(st->deliver, TRACING_STATUS_ERROR,
		    "the request ended first");
		svc_span_end(st->deliver);
	}
	if (st->order[0] != '\0')
		sent_forget(st->order);		/* not known to be sent */
}

/* Ends deliver_email; a failure is recorded as an exception. */
static void
deliver_end(struct notify *st, const char *error_type, const char *error)
{
	if (st->deliver == NULL)
		return;
	if (error != NULL) {
		(void)tracing_span_record_exception(st->deliver, error_type,
		    error, NULL, 0);
		(void)tracing_span_set_str(st->deliver, "error.type",
		    error_type);
		(void)tracing_span_set_status(st->deliver, TRACING_STATUS_ERROR,
		    error);
	}
	svc_span_end(st->deliver);
	st->deliver = NULL;
}

static void
reply_sent(struct http_request *req, struct notify *st, const char *via)
{
	if (st->order[0] != '\0') {
		sent_done(st->order, st->msgid, via);
		st->order[0] = '\0';
	}
	svc_reply_json(req, HTTP_STATUS_CREATED, json_pack("{s:s,s:s,s:s}",
	    "messageId", st->msgid, "status", "sent", "transport", via));
}

static int
smtp_start(struct http_request *req, struct notify *st)
{
	char	from[256], rcpt[300];

	(void)mail_address(mail_from, from, sizeof(from));
	(void)snprintf(rcpt, sizeof(rcpt), "<%s>", json_string_value(
	    json_object_get(st->body, "email")));

	if (!kore_curl_init(&st->curl, smtp_url, KORE_CURL_ASYNC))
		return (0);
	st->upload = kore_buf_alloc(strlen(st->message));
	kore_buf_append(st->upload, st->message, strlen(st->message));
	kore_buf_reset(st->upload);
	st->rcpt = curl_slist_append(NULL, rcpt);

	curl_easy_setopt(st->curl.handle, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(st->curl.handle, CURLOPT_MAIL_RCPT, st->rcpt);
	curl_easy_setopt(st->curl.handle, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(st->curl.handle, CURLOPT_READFUNCTION,
	    kore_curl_frombuf);
	curl_easy_setopt(st->curl.handle, CURLOPT_READDATA, st->upload);
	curl_easy_setopt(st->curl.handle, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)strlen(st->message));
	curl_easy_setopt(st->curl.handle, CURLOPT_TIMEOUT_MS, smtp_timeout_ms);
	if (getenv("SMTP_USER") != NULL && *getenv("SMTP_USER") != '\0') {
		curl_easy_setopt(st->curl.handle, CURLOPT_USERNAME,
		    getenv("SMTP_USER"));
		curl_easy_setopt(st->curl.handle, CURLOPT_PASSWORD,
		    svc_env_str("SMTP_PASSWORD", ""));
	}

	kore_curl_bind_request(&st->curl, req);
	kore_curl_run(&st->curl);
	svc_curl_kick();
	st->sending = 1;
	return (1);
}

/* The SMTP call has finished: the answer, sent or refused. */
static int
smtp_finish(struct http_request *req, struct notify *st)
{
	if (!kore_curl_success(&st->curl)) {
		kore_log(LOG_ERR, "smtp %s: %s", smtp_url,
		    kore_curl_strerror(&st->curl));
		deliver_end(st, "smtp", kore_curl_strerror(&st->curl));
		svc_reply_error(req, HTTP_STATUS_BAD_GATEWAY, "delivery_failed",
		    "the SMTP server did not take the message: %s",
		    kore_curl_strerror(&st->curl));
	} else {
		deliver_end(st, NULL, NULL);
		reply_sent(req, st, "smtp");
	}
	kore_curl_cleanup(&st->curl);
	st->sending = 0;
	return (KORE_RESULT_OK);
}

/*
 * Hands the message to the delivery threads; the request sleeps until
 * mailq_complete() wakes it. A full queue answers 503 at once.
 */
static int
maildir_start(struct http_request *req, struct notify *st)
{
	if ((st->job = calloc(1, sizeof(*st->job))) == NULL) {
		deliver_end(st, "maildir", "out of memory");
		svc_reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "delivery_failed", "out of memory");
		return (KORE_RESULT_OK);
	}
	st->job->msg = st->message;	/* the job's now: it may outlive req */
	st->message = NULL;
	st->job->arg = req;
	if (mailq_submit(mailq, st->job) == -1) {
		job_free(st->job);
		st->job = NULL;
		deliver_end(st, "maildir", "the delivery queue is full");
		http_response_header(req, "retry-after", "1");
		svc_reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "delivery_busy", "the delivery queue is full"
		    " (NOTIFICATION_DELIVERY_QUEUE); try again");
		return (KORE_RESULT_OK);
	}
	http_request_sleep(req);
	return (KORE_RESULT_RETRY);
}

static int
maildir_finish(struct http_request *req, struct notify *st)
{
	if (!st->delivered) {		/* woken by something else */
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	if (st->job->err != 0) {
		kore_log(LOG_ERR, "maildir %s: %s", maildir,
		    strerror(st->job->err));
		deliver_end(st, "maildir", strerror(st->job->err));
		svc_reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "delivery_failed", "the Maildir refused the message");
		return (KORE_RESULT_OK);
	}
	deliver_end(st, NULL, NULL);
	reply_sent(req, st, "maildir");
	return (KORE_RESULT_OK);
}

/*
 * The contract's bounds, as the gateway's public ones: orderId 1 to 64
 * characters, currency three capital letters (ISO 4217), 1 to
 * ORDER_ITEMS_MAX items of a valid sku, a quantity and a price, a total
 * within ORDER_TOTAL_MAX. NULL when the body keeps them, else the field.
 */
static const char *
notify_invalid(const json_t *body)
{
	const json_t	*items, *item, *v;
	const char	*s;
	size_t		i, n;

	s = json_string_value(json_object_get(body, "orderId"));
	if (s == NULL || (n = strlen(s)) == 0 || n > 64)
		return ("orderId");
	if ((v = json_object_get(body, "currency")) != NULL) {
		s = json_string_value(v);
		if (s == NULL || strlen(s) != 3 || s[0] < 'A' || s[0] > 'Z' ||
		    s[1] < 'A' || s[1] > 'Z' || s[2] < 'A' || s[2] > 'Z')
			return ("currency");
	}
	v = json_object_get(body, "total");
	if (!json_is_number(v) || json_number_value(v) < 0 ||
	    json_number_value(v) > ORDER_TOTAL_MAX)
		return ("total");
	items = json_object_get(body, "items");
	n = json_array_size(items);
	if (!json_is_array(items) || n < 1 || n > ORDER_ITEMS_MAX)
		return ("items");
	json_array_foreach(items, i, item) {
		s = json_string_value(json_object_get(item, "sku"));
		v = json_object_get(item, "quantity");
		if (s == NULL || !sku_valid(s) || !json_is_integer(v) ||
		    json_integer_value(v) < 1 ||
		    json_integer_value(v) > ORDER_QTY_MAX ||
		    !json_is_number(json_object_get(item, "price")))
			return ("items");
	}
	return (NULL);
}

/*
 * One confirmation per order: 1 when this call is to send it (claimed),
 * 0 when answered: 200 with the first message when it was sent already
 * (nothing is sent again), 409 while another call sends it.
 */
static int
notify_claim(struct http_request *req, struct notify *st)
{
	const char	*order;
	char		 msgid[MAIL_MSGID_MAX], via[8];

	order = json_string_value(json_object_get(st->body, "orderId"));
	switch (sent_claim(order, msgid, sizeof(msgid), via, sizeof(via))) {
	case SENT_DUPLICATE:
		(void)tracing_span_set_bool(svc_request_get(req)->span,
		    "email.duplicate", 1);
		svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:s,s:s,s:s,"
		    "s:b}", "messageId", msgid, "status", "sent", "transport",
		    via, "duplicate", 1));
		return (0);
	case SENT_BUSY:
		http_response_header(req, "retry-after", "1");
		svc_reply_error(req, HTTP_STATUS_CONFLICT,
		    "notification_in_progress", "the confirmation of order %s"
		    " is being sent now", order);
		return (0);
	default:
		(void)snprintf(st->order, sizeof(st->order), "%s", order);
		return (1);
	}
}

/*
 * POST /v1/notifications {"orderId","email","total","currency"?,"items"}:
 * 201 {"messageId","status":"sent","transport":"maildir"|"smtp"};
 * 400 bad input; 502 the SMTP server refused; 503 the Maildir failed.
 */
static int
notify(struct http_request *req, struct svc_match *m)
{
	struct notify		*st;
	struct tracing_span	*span;
	const char		*email, *field;
	char			unique[17];

	(void)m;
	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), notify_free);
		if ((st->body = svc_body_json(req, 256 * 1024)) == NULL)
			return (KORE_RESULT_OK);
		email = json_string_value(json_object_get(st->body, "email"));
		if (email == NULL || !email_plausible(email)) {
			svc_reply_error_obj(req, 400, "invalid_field",
			    "email must be a plausible address",
			    json_pack("{s:s}", "field", "email"));
			return (KORE_RESULT_OK);
		}
		if ((field = notify_invalid(st->body)) != NULL) {
			svc_reply_error_obj(req, 400, "invalid_field",
			    "orderId (1-64 characters), currency (3 capital"
			    " letters), total and 1-100 items (sku, quantity,"
			    " price) must keep the contract's bounds",
			    json_pack("{s:s}", "field", field));
			return (KORE_RESULT_OK);
		}
		if (!notify_claim(req, st))
			return (KORE_RESULT_OK);
		svc_random_hex(unique, sizeof(unique) - 1);
		span = svc_span_start(req, "render_email",
		    TRACING_SPAN_INTERNAL);
		st->message = mail_render(st->body, mail_from, time(NULL),
		    unique, st->msgid, sizeof(st->msgid));
		if (st->message == NULL) {
			(void)tracing_span_set_status(span,
			    TRACING_STATUS_ERROR, "incomplete order");
			svc_span_end(span);
			svc_reply_error(req, 400, "invalid_field",
			    "orderId, items (sku, quantity, price) and total"
			    " are required");
			return (KORE_RESULT_OK);
		}
		(void)tracing_span_set_str(span, "email.message_id", st->msgid);
		(void)tracing_span_set_int(span, "email.size",
		    (int64_t)strlen(st->message));
		svc_span_end(span);

		st->deliver = svc_span_start(req, "deliver_email",
		    smtp_url == NULL ? TRACING_SPAN_INTERNAL :
		    TRACING_SPAN_CLIENT);
		(void)tracing_span_set_str(st->deliver, "email.transport",
		    smtp_url == NULL ? "maildir" : "smtp");
		(void)tracing_span_set_str(st->deliver, "email.message_id",
		    st->msgid);

		if (smtp_url == NULL)
			return (maildir_start(req, st));

		if (!smtp_start(req, st)) {
			deliver_end(st, "smtp", "cannot set up the SMTP call");
			svc_reply_error(req, HTTP_STATUS_BAD_GATEWAY,
			    "delivery_failed", "cannot reach the SMTP server");
			return (KORE_RESULT_OK);
		}
		return (KORE_RESULT_RETRY);
	}

	st = svc_state_get(req);
	if (st->job != NULL)
		return (maildir_finish(req, st));
	return (smtp_finish(req, st));
}

/* GET /ready: the Maildir is writable, or an SMTP server is configured. */
static int
ready(struct http_request *req, struct svc_match *m)
{
	(void)m;
	if (smtp_url == NULL && access(maildir, W_OK) == -1) {
		svc_reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "not_ready", "Maildir %s is not writable", maildir);
		return (KORE_RESULT_OK);
	}
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:s,s:s,s:{s:s}}",
	    "status", "ready", "service", svc_name(), "checks", "transport",
	    smtp_url == NULL ? "maildir" : "smtp"));
	return (KORE_RESULT_OK);
}
