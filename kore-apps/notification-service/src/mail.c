/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mail.c: renders the order confirmation as an RFC 5322 message (CRLF line
 * ends, 7-bit or UTF-8 body, Date, Message-ID, MIME headers) and delivers a
 * message into a Maildir (tmp/, fsync, rename into new/), the way MTAs do.
 */

#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail.h"

struct mbuf {
	char	*data;
	size_t	len;
	size_t	cap;
};

static void
mbuf_printf(struct mbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n) * 2;
		if ((b->data = realloc(b->data, b->cap)) == NULL)
			abort();
	}
}

static int
header_safe(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (0);
	}
	return (1);
}

/*
 * Extracts the addr-spec of "Name <local@domain>" or "local@domain" into
 * out. Returns 1 on success, 0 when there is none.
 */
int
mail_address(const char *from, char *out, size_t len)
{
	const char	*lt, *gt;
	size_t		n;

	if (!header_safe(from))
		return (0);
	if ((lt = strrchr(from, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL)
			return (0);
		n = (size_t)(gt - lt - 1);
		lt++;
	} else {
		lt = from;
		n = strlen(from);
	}
	if (n == 0 || n >= len || memchr(lt, '@', n) == NULL ||
	    memchr(lt, ' ', n) != NULL)
		return (0);
	memcpy(out, lt, n);
	out[n] = '\0';
	return (1);
}

/*
 * The confirmation for an order {"orderId","email","total","currency",
 * "items":[{sku,quantity,price}]}, from the "Name <addr>" from. Writes the
 * Message-ID (without angle brackets) to msgid. Returns a new string, or
 * NULL if a field is missing or would break the header section.
 */
char *
mail_render(const json_t *order, const char *from, time_t now,
    const char *unique, char *msgid, size_t msgid_len)
{
	struct mbuf	b;
	struct tm	tm;
	const json_t	*items, *item;
	const char	*id, *to, *currency, *domain;
	char		date[64], addr[256];
	double		total;
	size_t		i;

	id = json_string_value(json_object_get(order, "orderId"));
	to = json_string_value(json_object_get(order, "email"));
	currency = json_string_value(json_object_get(order, "currency"));
	items = json_object_get(order, "items");
	total = json_number_value(json_object_get(order, "total"));
	if (currency == NULL)
		currency = "USD";

	if (id == NULL || to == NULL || !json_is_array(items) ||
	    !header_safe(id) || !header_safe(to) || !header_safe(currency) ||
	    !mail_address(from, addr, sizeof(addr)))
		return (NULL);

	domain = strchr(addr, '@') + 1;
	(void)snprintf(msgid, msgid_len, "%s.%s@%s", id, unique, domain);

	(void)gmtime_r(&now, &tm);
	(void)strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

	memset(&b, 0, sizeof(b));
	b.cap = 1024;
	if ((b.data = malloc(b.cap)) == NULL)
		return (NULL);

	mbuf_printf(&b, "Date: %s\r\n", date);
	mbuf_printf(&b, "From: %s\r\n", from);
	mbuf_printf(&b, "To: <%s>\r\n", to);
	mbuf_printf(&b, "Subject: Your order %s is confirmed\r\n", id);
	mbuf_printf(&b, "Message-ID: <%s>\r\n", msgid);
	mbuf_printf(&b, "MIME-Version: 1.0\r\n");
	mbuf_printf(&b, "Content-Type: text/plain; charset=utf-8\r\n");
	mbuf_printf(&b, "Content-Transfer-Encoding: 8bit\r\n");
	mbuf_printf(&b, "X-Order-Id: %s\r\n", id);
	mbuf_printf(&b, "\r\n");
	mbuf_printf(&b, "Hello,\r\n\r\nthank you for your order %s.\r\n\r\n",
	    id);
	mbuf_printf(&b, "  %-24s %8s %12s %12s\r\n", "Item", "Qty", "Price",
	    "Amount");
	json_array_foreach(items, i, item) {
		const char	*sku;
		json_int_t	qty;
		double		price;

		sku = json_string_value(json_object_get(item, "sku"));
		qty = json_integer_value(json_object_get(item, "quantity"));
		price = json_number_value(json_object_get(item, "price"));
		if (sku == NULL || !header_safe(sku)) {
			free(b.data);
			return (NULL);
		}
		mbuf_printf(&b, "  %-24.64s %8lld %12.2f %12.2f\r\n", sku,
		    (long long)qty, price, price * (double)qty);
	}
	mbuf_printf(&b, "\r\n  %-24s %8s %12s %12.2f %s\r\n\r\n", "Total", "",
	    "", total, currency);
	mbuf_printf(&b, "We will write again when your order ships.\r\n\r\n");
	mbuf_printf(&b, "-- \r\n%s\r\n", from);

	return (b.data);
}

/*
 * Delivers msg into the Maildir at dir (creating tmp/, new/ and cur/):
 * written under tmp/, fsync'ed, then renamed into new/. The file name goes
 * to name. Returns 0, or -1 with errno set. Threads may deliver at once:
 * the sequence number in the name is atomic.
 */
int
mail_maildir_deliver(const char *dir, const char *msg, char *name,
    size_t namelen)
{
	static unsigned int	seq;
	struct timeval		tv;
	char			tmp[4096], dst[4096], host[64];
	const char		*sub[] = { "tmp", "new", "cur" };
	size_t			len, off, i;
	ssize_t			w;
	int			fd, saved;

	(void)mkdir(dir, 0700);
	for (i = 0; i < 3; i++) {
		(void)snprintf(tmp, sizeof(tmp), "%s/%s", dir, sub[i]);
		if (mkdir(tmp, 0700) == -1 && errno != EEXIST)
			return (-1);
	}

	if (gethostname(host, sizeof(host)) == -1)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] != '\0'; i++) {
		if (host[i] == '/' || host[i] == ':')
			host[i] = '_';
	}

	(void)gettimeofday(&tv, NULL);
	(void)snprintf(name, namelen, "%lld.M%06ldP%dQ%u.%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (int)getpid(),
	    __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED), host);
	(void)snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, name);
	(void)snprintf(dst, sizeof(dst), "%s/new/%s", dir, name);

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1)
		return (-1);

	len = strlen(msg);
	for (off = 0; off < len; off += (size_t)w) {
		if ((w = write(fd, msg + off, len - off)) == -1) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			goto fail;
		}
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, dst) == -1)
		goto fail;
	return (0);

fail:
	saved = errno;
	if (fd != -1)
		(void)close(fd);
	(void)unlink(tmp);
	errno = saved;
	return (-1);
}
