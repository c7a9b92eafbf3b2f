/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit.c: unit tests of the services' pure parts: order validation and
 * e-mail plausibility (driven by the files in tests/data), route matching, the
 * confirmation e-mail, its Maildir delivery and the delivery queue. Prints
 * TAP.
 */

#include <sys/stat.h>

#include <arpa/inet.h>

#include <poll.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "route.h"
#include "validate.h"
#include "mail.h"
#include "mailq.h"
#include "fault.h"
#include "strbuf.h"

static void
test_validate(const char *path)
{
	struct order_error	err;
	json_error_t		jerr;
	json_t			*body;
	char			line[8192], expect[128], got[128], *tab;
	FILE			*fp;
	int			ok;

	if ((fp = fopen(path, "r")) == NULL) {
		ok(0, "open %s", path);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0' ||
		    (tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		(void)snprintf(expect, sizeof(expect), "%s", line);
		body = json_loads(tab + 1, JSON_ALLOW_NUL, &jerr);
		if (body == NULL) {
			ok(0, "validate: case parses: %s (%s)", tab + 1,
			    jerr.text);
			continue;
		}
		ok = order_validate(body, &err);
		if (ok)
			(void)snprintf(got, sizeof(got), "ok");
		else
			(void)snprintf(got, sizeof(got), "%s %s", err.code,
			    err.field);
		ok(strcmp(got, expect) == 0 && (ok || err.message[0]),
		    "validate: %s -> %s (got %s)", tab + 1, expect, got);
		json_decref(body);
	}
	fclose(fp);
}

static void
test_email(const char *path)
{
	char	line[1024], *tab;
	FILE	*fp;
	int	want;

	if ((fp = fopen(path, "r")) == NULL) {
		ok(0, "open %s", path);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		want = strcmp(line, "ok") == 0;
		ok(email_plausible(tab + 1) == want, "email: '%s' is %s",
		    tab + 1, line);
	}
	fclose(fp);
}

static void
test_routes(void)
{
	struct svc_match	m;
	char			longseg[200];

	ok(svc_route_match("/api/orders", "/api/orders", &m) &&
	    m.nparams == 0, "route: literal path matches");
	ok(!svc_route_match("/api/orders", "/api/orders/", &m),
	    "route: trailing slash does not match");
	ok(!svc_route_match("/api/orders", "/api/order", &m),
	    "route: prefix does not match");
	ok(svc_route_match("/api/orders/:id", "/api/orders/ab-1_2", &m) &&
	    m.nparams == 1 && strcmp(m.params[0], "ab-1_2") == 0,
	    "route: parameter captured");
	ok(svc_route_match("/v1/reservations/:id/release",
	    "/v1/reservations/res_1/release", &m) &&
	    strcmp(m.params[0], "res_1") == 0,
	    "route: parameter in the middle");
	ok(!svc_route_match("/api/orders/:id", "/api/orders/", &m),
	    "route: empty parameter refused");
	ok(!svc_route_match("/api/orders/:id", "/api/orders/a%20b", &m),
	    "route: parameter with other characters refused");
	ok(!svc_route_match("/api/orders/:id", "/api/orders/a/b", &m),
	    "route: extra segment refused");
	memset(longseg, 'a', sizeof(longseg));
	memcpy(longseg, "/x/", 3);
	longseg[sizeof(longseg) - 1] = '\0';
	ok(!svc_route_match("/x/:id", longseg, &m),
	    "route: parameter longer than 95 characters refused");
}

static json_t *
sample_order(const char *email)
{
	return (json_pack("{s:s,s:s,s:f,s:s,s:[{s:s,s:i,s:f},{s:s,s:i,s:f}]}",
	    "orderId", "6882dcf9-d8cd-4691-bfe5-32db5a763f2f", "email", email,
	    "total", 112.5, "currency", "USD", "items",
	    "sku", "SKU123", "quantity", 2, "price", 50.0,
	    "sku", "SKU456", "quantity", 1, "price", 12.5));
}

static void
test_mail(void)
{
	json_t	*order;
	char	msgid[MAIL_MSGID_MAX], addr[64], *msg, *p;
	int	bare_lf;

	order = sample_order("customer@example.com");
	msg = mail_render(order, "Coffee Shop <orders@shop.example>",
	    1795550400, "0123456789abcdef", msgid, sizeof(msgid));
	ok(msg != NULL, "mail: renders");
	if (msg == NULL) {
		json_decref(order);
		return;
	}
	ok(strncmp(msg, "Date: ", 6) == 0 &&
	    strstr(msg, "\r\nFrom: Coffee Shop <orders@shop.example>\r\n") &&
	    strstr(msg, "\r\nTo: <customer@example.com>\r\n") &&
	    strstr(msg, "\r\nMIME-Version: 1.0\r\n") &&
	    strstr(msg, "\r\nContent-Type: text/plain; charset=utf-8\r\n"),
	    "mail: RFC 5322 and MIME headers present");
	ok(strstr(msg, "Date: Tue, 24 Nov 2026 20:00:00 +0000\r\n") != NULL,
	    "mail: Date in RFC 5322 form");
	ok(strcmp(msgid, "6882dcf9-d8cd-4691-bfe5-32db5a763f2f."
	    "0123456789abcdef@shop.example") == 0 &&
	    strstr(msg, "\r\nMessage-ID: <6882dcf9-d8cd-4691-bfe5-32db5a763f2f."
	    "0123456789abcdef@shop.example>\r\n"),
	    "mail: Message-ID from the order and the sender's domain");
	ok(strstr(msg, "\r\n\r\nHello,") != NULL,
	    "mail: an empty line ends the header section");
	ok(strstr(msg, "112.50 USD") != NULL &&
	    strstr(msg, "SKU456") != NULL, "mail: body lists items and total");
	bare_lf = 0;
	for (p = msg; *p != '\0'; p++) {
		if (*p == '\n' && (p == msg || p[-1] != '\r'))
			bare_lf = 1;
	}
	ok(!bare_lf, "mail: every line ends in CRLF");
	free(msg);
	json_decref(order);

	order = sample_order("a@b.co\r\nBcc: victim@example.com");
	msg = mail_render(order, "Shop <s@shop.example>", 0, "x", msgid,
	    sizeof(msgid));
	ok(msg == NULL, "mail: header injection through the address"
	    " refused");
	free(msg);
	json_decref(order);

	ok(mail_address("Coffee Shop <orders@shop.example>", addr,
	    sizeof(addr)) && strcmp(addr, "orders@shop.example") == 0,
	    "mail: envelope address from a display name form");
	ok(mail_address("orders@shop.example", addr, sizeof(addr)) &&
	    strcmp(addr, "orders@shop.example") == 0,
	    "mail: envelope address from a bare address");
	ok(!mail_address("Shop <nobody>", addr, sizeof(addr)) &&
	    !mail_address("Shop <a@b", addr, sizeof(addr)),
	    "mail: no envelope address from a broken sender");
}

static int
count_files(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	int		n;

	if ((d = opendir(dir)) == NULL)
		return (-1);
	n = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return (n);
}

static void
test_maildir(void)
{
	char	dir[] = "/tmp/maildir-test-XXXXXX", sub[128], name[256];
	char	name2[256], path[512], buf[64];
	FILE	*fp;
	size_t	n;

	if (mkdtemp(dir) == NULL) {
		ok(0, "maildir: temporary directory");
		return;
	}
	(void)snprintf(sub, sizeof(sub), "%s/box", dir);
	ok(mail_maildir_deliver(sub, "Subject: x\r\n\r\nhi\r\n", name,
	    sizeof(name)) == 0, "maildir: delivers into a new Maildir");
	ok(mail_maildir_deliver(sub, "Subject: y\r\n\r\nho\r\n", name2,
	    sizeof(name2)) == 0 && strcmp(name, name2) != 0,
	    "maildir: second message gets another name");
	(void)snprintf(path, sizeof(path), "%s/new", sub);
	ok(count_files(path) == 2, "maildir: both in new/");
	(void)snprintf(path, sizeof(path), "%s/tmp", sub);
	ok(count_files(path) == 0, "maildir: nothing left in tmp/");
	(void)snprintf(path, sizeof(path), "%s/new/%s", sub, name);
	n = 0;
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	ok(strcmp(buf, "Subject: x\r\n\r\nhi\r\n") == 0,
	    "maildir: content kept byte for byte");
	ok(mail_maildir_deliver("/proc/no/such/dir", "x", name,
	    sizeof(name)) == -1, "maildir: an unwritable place fails cleanly");
	(void)snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	(void)system(path);
}

static uint64_t
seq_rnd(void)
{
	static uint64_t	n;

	return (n++);
}

static void
test_faults(void)
{
	struct fault_cfg	c;
	struct fault_plan	p;
	char			err[128];
	int			i, slow, failed;

	fault_cfg_init(&c);
	ok(!fault_active(&c), "faults: none by default");
	ok(fault_cfg_parse(&c, "{\"latency_ms\":[100,300],"
	    "\"latency_percent\":50,\"error_percent\":10,"
	    "\"error_status\":502}", err, sizeof(err)) &&
	    c.latency_min_ms == 100 && c.latency_max_ms == 300 &&
	    c.latency_percent == 50 && c.error_percent == 10 &&
	    c.error_status == 502, "faults: a full configuration parses");
	slow = failed = 0;
	for (i = 0; i < 1000; i++) {
		fault_plan(&c, seq_rnd, &p);
		if (p.latency_ms > 0) {
			slow++;
			if (p.latency_ms < 100 || p.latency_ms > 300)
				slow = -100000;
		}
		if (p.error_status == 502)
			failed++;
	}
	ok(slow > 400 && slow < 600, "faults: latency for about 50%%"
	    " of requests, within the range (%d)", slow);
	ok(failed > 50 && failed < 150, "faults: errors for about 10%%"
	    " of requests (%d)", failed);
	fault_cfg_init(&c);
	ok(fault_cfg_parse(&c, "{\"lose_answer_percent\":30}", err,
	    sizeof(err)) && fault_active(&c), "faults: lose_answer_percent"
	    " parses and is a fault");
	for (i = failed = 0; i < 1000; i++) {
		fault_plan(&c, seq_rnd, &p);
		failed += p.lose_answer && p.error_status == 0;
	}
	ok(failed > 200 && failed < 400, "faults: answers lost for about"
	    " 30%% of requests, never with an injected error (%d)", failed);
	ok(!fault_cfg_parse(&c, "{\"lose_answer_percent\":101}", err,
	    sizeof(err)), "faults: lose_answer_percent above 100 is refused");
	ok(fault_cfg_parse(&c, "{\"latency_ms\":[100,300],"
	    "\"latency_percent\":50,\"error_percent\":10,"
	    "\"error_status\":502,\"lose_answer_percent\":0}", err,
	    sizeof(err)), "faults: the configuration again");
	ok(!fault_cfg_parse(&c, "{\"error_status\":404}", err,
	    sizeof(err)) && c.error_status == 502,
	    "faults: a 4xx error status is refused, the old value kept");
	ok(!fault_cfg_parse(&c, "{\"latency_ms\":[300,100]}", err,
	    sizeof(err)), "faults: an inverted range is refused");
	ok(!fault_cfg_parse(&c, "{\"nope\":1}", err, sizeof(err)),
	    "faults: an unknown key is refused");
	ok(!fault_cfg_parse(&c, "[", err, sizeof(err)),
	    "faults: malformed JSON is refused");
	ok(fault_cfg_parse(&c, "{\"outage\":true}", err, sizeof(err)) &&
	    (fault_plan(&c, seq_rnd, &p), p.outage && p.error_status == 503),
	    "faults: an outage refuses with 503");
	ok(fault_header_parse("latency=250", seq_rnd, &p) &&
	    p.latency_ms == 250 && p.error_status == 0,
	    "faults: X-Fault latency");
	ok(fault_header_parse("latency=100-200; error=504", seq_rnd, &p) &&
	    p.latency_ms >= 100 && p.latency_ms <= 200 &&
	    p.error_status == 504, "faults: X-Fault range and error");
	ok(!fault_header_parse("error=404", seq_rnd, &p) &&
	    !fault_header_parse("latency=abc", seq_rnd, &p) &&
	    !fault_header_parse("latency=99999999", seq_rnd, &p) &&
	    !fault_header_parse("boom=1", seq_rnd, &p),
	    "faults: malformed X-Fault headers are refused");
}

/* Waits (up to 10 s) until n jobs came back from q; returns how many did. */
static int
mailq_collect(struct mailq *q, struct mailq_job **jobs, int n)
{
	struct pollfd		 pfd;
	struct mailq_job	*j, *next;
	int			 got, waited;

	got = 0;
	for (waited = 0; got < n && waited < 100; waited++) {
		pfd.fd = mailq_fd(q);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		for (j = mailq_done(q); j != NULL; j = next) {
			next = j->next;
			jobs[got++] = j;
		}
	}
	return (got);
}

static void
test_mailq(void)
{
	char			 dir[] = "/tmp/mailq-test-XXXXXX", box[128];
	char			 path[512];
	struct mailq		*q;
	struct mailq_job	 jobs[64], *back[64];
	int			 i, ok, rc;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mailq: temporary directory");
		return;
	}
	(void)snprintf(box, sizeof(box), "%s/box", dir);
	ok(mailq_start(&q, box, 0, 8) == EINVAL &&
	    mailq_start(&q, box, 2, 0) == EINVAL,
	    "mailq: no threads or no room is refused");
	if ((rc = mailq_start(&q, box, 3, 64)) != 0) {
		ok(0, "mailq: starts (%d)", rc);
		return;
	}
	memset(jobs, 0, sizeof(jobs));
	ok = 1;
	for (i = 0; i < 64; i++) {
		jobs[i].msg = "Subject: q\r\n\r\nqueued\r\n";
		jobs[i].arg = &jobs[i];
		ok &= mailq_submit(q, &jobs[i]) == 0;
	}
	ok(ok, "mailq: 64 jobs fit a queue of 64");
	ok(mailq_submit(q, &(struct mailq_job){ .msg = "x" }) == -1,
	    "mailq: the 65th is refused while 64 are in flight");
	ok(mailq_collect(q, back, 64) == 64,
	    "mailq: all 64 come back through the eventfd");
	ok = 1;
	for (i = 0; i < 64; i++)
		ok &= back[i]->err == 0 && back[i]->name[0] != '\0' &&
		    back[i]->arg == back[i];
	ok(ok, "mailq: each delivered, named, its arg untouched");
	(void)snprintf(path, sizeof(path), "%s/new", box);
	ok(count_files(path) == 64, "mailq: 64 distinct files in new/");
	ok(mailq_inflight(q) == 0, "mailq: nothing in flight afterwards");

	/* Stop with work queued: it is delivered before the threads end. */
	for (i = 0; i < 32; i++)
		(void)mailq_submit(q, &jobs[i]);
	mailq_stop(q);
	ok(mailq_collect(q, back, 32) == 32 && count_files(path) == 96,
	    "mailq: stop delivers what was queued");
	ok(mailq_submit(q, &jobs[0]) == -1,
	    "mailq: a stopped queue refuses new work");
	mailq_free(q);

	/* A failing Maildir: the job comes back with the errno. */
	if (mailq_start(&q, "/proc/no/such/dir", 1, 4) == 0) {
		(void)mailq_submit(q, &jobs[0]);
		ok(mailq_collect(q, back, 1) == 1 && back[0]->err != 0,
		    "mailq: a failed delivery returns its errno (%s)",
		    strerror(back[0]->err));
		mailq_stop(q);
		mailq_free(q);
	}
	(void)snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	(void)system(path);
}

/* svc_put cuts at the buffer, svc_ipv4_text and svc_hex match libc's text. */
static void
test_strbuf(void)
{
	char		buf[8], ip[SVC_IPV4_TEXT_LEN], ref[INET_ADDRSTRLEN];
	char		hex[9];
	uint8_t		a[4], raw[4] = { 0x00, 0x0f, 0xa0, 0xff };
	size_t		o;
	unsigned int	i;
	int		same;

	o = 0;
	svc_put(buf, sizeof(buf), &o, "GET", 3);
	svc_put(buf, sizeof(buf), &o, " ", 1);
	svc_put(buf, sizeof(buf), &o, "/x", 2);
	ok(strcmp(buf, "GET /x") == 0 && o == 6, "strbuf: appends");
	svc_put(buf, sizeof(buf), &o, "/abcdef", 7);
	ok(strcmp(buf, "GET /x/") == 0 && o == 7,
	    "strbuf: cut at the buffer's end, NUL kept");
	svc_put(buf, sizeof(buf), &o, "more", 4);
	ok(strcmp(buf, "GET /x/") == 0 && o == 7,
	    "strbuf: a full buffer takes nothing more");

	same = 1;
	for (i = 0; i < 4096 && same; i++) {
		a[0] = (uint8_t)(i * 7);
		a[1] = (uint8_t)(i >> 4);
		a[2] = (uint8_t)(i * 131);
		a[3] = (uint8_t)i;
		svc_ipv4_text(a, ip);
		(void)inet_ntop(AF_INET, a, ref, sizeof(ref));
		if (strcmp(ip, ref) != 0) {
			same = 0;
			printf("# %s != %s\n", ip, ref);
		}
	}
	a[0] = a[1] = a[2] = a[3] = 255;
	svc_ipv4_text(a, ip);
	ok(same && strcmp(ip, "255.255.255.255") == 0,
	    "strbuf: IPv4 text as inet_ntop writes it");

	svc_hex(raw, sizeof(raw), hex);
	ok(strcmp(hex, "000fa0ff") == 0, "strbuf: lower-case hex");
	memset(raw, 0, sizeof(raw));
	ok(svc_unhex("000FA0ff", raw, sizeof(raw)) && raw[1] == 0x0f &&
	    raw[2] == 0xa0 && raw[3] == 0xff, "strbuf: hex back to bytes,"
	    " either case");
	ok(!svc_unhex("000fa0f", raw, sizeof(raw)) &&
	    !svc_unhex("000fa0ff0", raw, sizeof(raw)) &&
	    !svc_unhex("000fa0fg", raw, sizeof(raw)) &&
	    !svc_unhex("", raw, sizeof(raw)), "strbuf: short, long or"
	    " non-hex text is refused");
}

int
main(int argc, char **argv)
{
	const char	*data;

	data = argc > 1 ? argv[1] : "tests/data";
	{
		char	p[1024];

		(void)snprintf(p, sizeof(p), "%s/validate.txt", data);
		test_validate(p);
		(void)snprintf(p, sizeof(p), "%s/email.txt", data);
		test_email(p);
	}
	test_routes();
	test_strbuf();
	test_mail();
	test_maildir();
	test_mailq();
	test_faults();
	tap_plan();
	return (tap_done());
}
