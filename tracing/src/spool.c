/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.c: the on-disk spool (TRACING_SPOOL_DIR): encoded OTLP requests
 * that the exporter could not deliver, kept in segment files until the
 * collector takes them again. It owns the files of this process (and the
 * ones it adopted from dead processes), their locks and the byte cap.
 * Only the export thread calls it; processor.c decides when.
 *
 * DESIGN
 *
 * Files: cotel-<time ns, hex>-<pid>-<random>-<seq>.spool in the spool
 * directory, each a 16-byte file header then records:
 *
 *	magic u32 | flags u32 | len u32 | spans u32 | crc u32 | 0 u32 | len bytes
 *
 * little-endian; the payload is an ExportTraceServiceRequest in protobuf;
 * crc is zlib's crc32 of len, spans and the payload; flags is 0 while the
 * record waits and DONE once replayed (a 4-byte pwrite, not synced: after
 * an OS crash a record may be sent twice, never lost). A record whose
 * header or checksum is wrong, or that runs past the end of its file (a
 * torn write), ends the file: what follows is skipped and counted.
 *
 * Ownership: every file is held with flock(LOCK_EX) by the process that
 * writes or replays it (flock, not fcntl locks: another open of the same
 * file in the same process, a second provider, does not get it either).
 * A file is created under a dot-name, locked, then renamed, so no one can
 * take a file between its creation and its lock. A process adopts the
 * files it can lock: their owner is gone, whatever its pid became since.
 * Adopted files are replayed first (oldest name first), then this
 * process's own. A forked child closes the descriptors it inherited
 * (tr_spool_fork_child), so it never keeps its parent's locks alive.
 *
 * Cap: the sum of the sizes of the files held, at most max_bytes. A new
 * file starts once the current one holds max_bytes / 8; to make room, the
 * oldest file is deleted and its waiting spans counted as dropped. Files
 * of dead processes are adopted only while they fit under the cap.
 *
 * fsync (TRACING_SPOOL_FSYNC): "batch", the default, fdatasyncs each record
 * and fsyncs the directory after creating a file before the spans count
 * as spooled: a crash of the process or of the machine loses nothing
 * spooled. "never" leaves it to the kernel: a process crash loses nothing
 * either (the page cache survives it), an OS crash or power loss may lose
 * the last seconds of records.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "tracing_private.h"

#define FILE_HDR	16
#define REC_HDR		24
#define REC_MAGIC	0x52544f43U	/* "COTR" little-endian */
#define REC_WAITING	0U
#define REC_DONE	0x454e4f44U	/* "DONE" */
#define REC_MAX		(1U << 30)
#define SPANS_MAX	(1U << 24)
#define SPOOL_SEGS	64
#define NAME_MAX_LEN	96
#define SCAN_MAX	256

static const char	file_magic[FILE_HDR] = "cotel-spool-v1\n";

struct seg {
	char		name[NAME_MAX_LEN];
	int		fd;
	uint64_t	size;		/* bytes in the file */
	uint64_t	rd;		/* the next record to replay */
	uint64_t	waiting;	/* spans not yet replayed */
	int		adopted;
	int		writer;		/* records are appended here */
};

struct tr_spool {
	int		dirfd;
	char		dir[512];
	char		id[64];		/* cotel-<time>-<pid>-<random> */
	uint32_t	seq;
	uint64_t	max_bytes;
	uint64_t	seg_max;
	int		sync;
	struct seg	segs[SPOOL_SEGS];
	size_t		nsegs;
	uint64_t	bytes;
	uint64_t	dropped;
	int		in_loss;	/* the cap's loss was logged */
	/* The record tr_spool_next() returned. */
	int		have_cur;
	uint64_t	cur_off;
	uint32_t	cur_len;
	uint32_t	cur_spans;
	struct tr_spool	*next_live;	/* the registry, for fork */
};

/* Live spools of this process, for the fork child handler. */
static pthread_mutex_t	 live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tr_spool	*live;

static void
le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
le32_get(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static uint32_t
rec_crc(uint32_t len, uint32_t spans, const uint8_t *pb)
{
	uint8_t		lens[8];
	uLong		crc;

	le32_put(lens, len);
	le32_put(lens + 4, spans);
	crc = crc32(0L, Z_NULL, 0);
	crc = crc32(crc, lens, sizeof(lens));
	crc = crc32_z(crc, pb, len);
	return ((uint32_t)crc);
}

static void
seg_close(struct tr_spool *sp, size_t i, int unlink_it)
{
	struct seg	*s = &sp->segs[i];

	if (unlink_it)
		(void)unlinkat(sp->dirfd, s->name, 0);
	(void)close(s->fd);		/* and its lock */
	sp->bytes -= s->size;
	if (i == 0)
		sp->have_cur = 0;
	memmove(&sp->segs[i], &sp->segs[i + 1],
	    (sp->nsegs - i - 1) * sizeof(*s));
	sp->nsegs--;
}

/*
 * Beyond the cap: the oldest file goes, its waiting spans counted; the
 * first drop until a record is replayed again is logged.
 */
static void
drop_oldest(struct tr_spool *sp)
{
	uint64_t	lost = sp->segs[0].waiting;

	sp->dropped += lost;
	seg_close(sp, 0, 1);
	if (sp->in_loss)
		return;
	sp->in_loss = 1;
	tr_log(TRACING_LOG_WARN, "spool %s: over TRACING_SPOOL_MAX_BYTES "
	    "(%llu): dropping the oldest spans (%llu now)", sp->dir,
	    (unsigned long long)sp->max_bytes, (unsigned long long)lost);
}

static int
sync_dir(struct tr_spool *sp)
{
	return (sp->sync ? fsync(sp->dirfd) : 0);
}

/* A new file to append to: made under a dot-name, locked, renamed. */
static int
seg_new(struct tr_spool *sp)
{
	struct seg	*s;
	char		 tmp[NAME_MAX_LEN + 8];
	int		 fd;

	if (sp->nsegs == SPOOL_SEGS)
		drop_oldest(sp);
	s = &sp->segs[sp->nsegs];
	memset(s, 0, sizeof(*s));
	(void)snprintf(s->name, sizeof(s->name), "%s-%06u.spool", sp->id,
	    sp->seq++);
	(void)snprintf(tmp, sizeof(tmp), ".%s.tmp", s->name);
	fd = openat(sp->dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1)
		goto fail;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 ||
	    pwrite(fd, file_magic, FILE_HDR, 0) != FILE_HDR ||
	    (sp->sync && fdatasync(fd) == -1) ||
	    renameat(sp->dirfd, tmp, sp->dirfd, s->name) == -1) {
		(void)unlinkat(sp->dirfd, tmp, 0);
		(void)close(fd);
		goto fail;
	}
	(void)sync_dir(sp);
	s->fd = fd;
	s->size = s->rd = FILE_HDR;
	s->writer = 1;
	sp->bytes += FILE_HDR;
	sp->nsegs++;
	return (TRACING_OK);
fail:
	tr_log(TRACING_LOG_ERROR, "spool %s: cannot create %s: %s", sp->dir,
	    s->name, strerror(errno));
	return (TRACING_ERR_SYSTEM);
}

/* The file to append need bytes to, room made under the cap. */
static struct seg *
writer_for(struct tr_spool *sp, uint64_t need)
{
	struct seg	*w;

	while (sp->nsegs > 0 && sp->bytes + need + FILE_HDR > sp->max_bytes)
		drop_oldest(sp);
	w = sp->nsegs > 0 ? &sp->segs[sp->nsegs - 1] : NULL;
	if (w != NULL && w->writer && w->size > FILE_HDR &&
	    w->size + need > sp->seg_max)
		w->writer = 0;
	if (w == NULL || !w->writer) {
		if (seg_new(sp) != TRACING_OK)
			return (NULL);
		w = &sp->segs[sp->nsegs - 1];
	}
	return (w);
}

int
tr_spool_append(struct tr_spool *sp, const uint8_t *pb, size_t len,
    uint32_t spans)
{
	struct iovec	 iov[2];
	struct seg	*w;
	uint8_t		 hdr[REC_HDR];
	uint64_t	 need = REC_HDR + (uint64_t)len;
	ssize_t		 n;

	if (len > REC_MAX || spans > SPANS_MAX ||
	    need + 2 * FILE_HDR > sp->max_bytes) {
		tr_log(TRACING_LOG_WARN, "spool %s: a request of %zu bytes is "
		    "over TRACING_SPOOL_MAX_BYTES: %u spans dropped", sp->dir,
		    len, spans);
		return (TRACING_ERR_LIMIT);
	}
	if ((w = writer_for(sp, need)) == NULL)
		return (TRACING_ERR_SYSTEM);
	le32_put(hdr, REC_MAGIC);
	le32_put(hdr + 4, REC_WAITING);
	le32_put(hdr + 8, (uint32_t)len);
	le32_put(hdr + 12, spans);
	le32_put(hdr + 16, rec_crc((uint32_t)len, spans, pb));
	le32_put(hdr + 20, 0);
	iov[0].iov_base = hdr;
	iov[0].iov_len = REC_HDR;
	iov[1].iov_base = (void *)(uintptr_t)pb;
	iov[1].iov_len = len;
	n = pwritev(w->fd, iov, 2, (off_t)w->size);
	if (n != (ssize_t)need || (sp->sync && fdatasync(w->fd) == -1)) {
		tr_log(TRACING_LOG_ERROR, "spool %s: cannot write %s: %s",
		    sp->dir, w->name, n == -1 || n == (ssize_t)need ?
		    strerror(errno) : "short write");
		/*
		 * Nothing half-written stays behind; a new file next time. If
		 * even that fails, the record's checksum ends the file there.
		 */
		if (ftruncate(w->fd, (off_t)w->size) == -1)
			tr_log(TRACING_LOG_WARN, "spool %s: cannot cut %s back:"
			    " %s", sp->dir, w->name, strerror(errno));
		w->writer = 0;
		return (TRACING_ERR_SYSTEM);
	}
	w->size += need;
	w->waiting += spans;
	sp->bytes += need;
	return (TRACING_OK);
}

/*
 * Reads the record at s->rd: TRACING_OK (waiting or done, in *flags),
 * TRACING_ERR_INVALID when the file ends there (torn or damaged).
 */
static int
rec_read(struct seg *s, struct tr_buf *buf, uint32_t *len, uint32_t *spans,
    uint32_t *flags)
{
	uint8_t		hdr[REC_HDR];

	if (s->size - s->rd < REC_HDR ||
	    pread(s->fd, hdr, REC_HDR, (off_t)s->rd) != REC_HDR ||
	    le32_get(hdr) != REC_MAGIC)
		return (TRACING_ERR_INVALID);
	*flags = le32_get(hdr + 4);
	*len = le32_get(hdr + 8);
	*spans = le32_get(hdr + 12);
	if ((*flags != REC_WAITING && *flags != REC_DONE) || *len > REC_MAX ||
	    *spans > SPANS_MAX || s->size - s->rd - REC_HDR < *len)
		return (TRACING_ERR_INVALID);
	if (*flags == REC_DONE || buf == NULL)
		return (TRACING_OK);
	buf->len = 0;
	if (tr_buf_reserve(buf, *len) != TRACING_OK)
		return (TRACING_ERR_NOMEM);
	if (pread(s->fd, buf->data, *len, (off_t)(s->rd + REC_HDR)) !=
	    (ssize_t)*len || rec_crc(*len, *spans, buf->data) !=
	    le32_get(hdr + 16))
		return (TRACING_ERR_INVALID);
	buf->len = *len;
	return (TRACING_OK);
}

/* The rest of s is unreadable: skipped, its waiting spans counted. */
static void
seg_torn(struct tr_spool *sp, struct seg *s)
{
	tr_log(TRACING_LOG_WARN, "spool %s: %s: a damaged or torn record at "
	    "offset %llu: the rest of the file (%llu spans) skipped", sp->dir,
	    s->name, (unsigned long long)s->rd,
	    (unsigned long long)s->waiting);
	sp->dropped += s->waiting;
	s->waiting = 0;
	if (s->writer && ftruncate(s->fd, (off_t)s->rd) == 0) {
		sp->bytes -= s->size - s->rd;
		s->size = s->rd;
	} else
		s->rd = s->size;
}

/*
 * The oldest waiting record into buf (its span count in *spans):
 * TRACING_OK, or TRACING_ERR_STATE when the spool is empty. The record
 * stays until tr_spool_done().
 */
int
tr_spool_next(struct tr_spool *sp, struct tr_buf *buf, uint32_t *spans)
{
	struct seg	*s;
	uint32_t	 len, flags;
	int		 rc;

	while (sp->nsegs > 0) {
		s = &sp->segs[0];
		if (s->rd >= s->size) {
			if (!s->writer) {
				seg_close(sp, 0, 1);
				continue;
			}
			/* All replayed: the file starts over. */
			if (s->size > FILE_HDR &&
			    ftruncate(s->fd, FILE_HDR) == 0) {
				sp->bytes -= s->size - FILE_HDR;
				s->size = s->rd = FILE_HDR;
				s->waiting = 0;
			}
			return (TRACING_ERR_STATE);
		}
		rc = rec_read(s, buf, &len, spans, &flags);
		if (rc == TRACING_ERR_NOMEM)
			return (rc);
		if (rc != TRACING_OK) {
			seg_torn(sp, s);
			continue;
		}
		if (flags == REC_DONE) {
			s->rd += REC_HDR + (uint64_t)len;
			continue;
		}
		sp->have_cur = 1;
		sp->cur_off = s->rd;
		sp->cur_len = len;
		sp->cur_spans = *spans;
		return (TRACING_OK);
	}
	return (TRACING_ERR_STATE);
}

/*
 * The record tr_spool_next() returned was replayed (lost: it was refused
 * for good, its spans are counted as dropped): marked done.
 */
void
tr_spool_done(struct tr_spool *sp, int lost)
{
	struct seg	*s;
	uint8_t		 done[4];

	if (!sp->have_cur || sp->nsegs == 0)
		return;
	s = &sp->segs[0];
	le32_put(done, REC_DONE);
	/* Not marked (the disk refuses): sent again after a restart, at worst. */
	if (pwrite(s->fd, done, sizeof(done), (off_t)(sp->cur_off + 4)) !=
	    (ssize_t)sizeof(done))
		tr_log(TRACING_LOG_WARN, "spool %s: cannot mark a record sent:"
		    " %s", sp->dir, strerror(errno));
	s->rd = sp->cur_off + REC_HDR + sp->cur_len;
	s->waiting -= s->waiting < sp->cur_spans ? s->waiting : sp->cur_spans;
	if (lost)
		sp->dropped += sp->cur_spans;
	else
		sp->in_loss = 0;
	sp->have_cur = 0;
	if (s->rd >= s->size && !s->writer)
		seg_close(sp, 0, 1);
}

/*
 * Counts the waiting spans of a file being adopted; a torn tail is cut
 * off (the file is ours now) and its spans counted as dropped.
 */
static void
seg_scan(struct tr_spool *sp, struct seg *s)
{
	uint32_t	len, spans, flags;
	uint8_t		hdr[REC_HDR];

	for (s->rd = FILE_HDR; s->rd < s->size;
	    s->rd += REC_HDR + (uint64_t)len) {
		if (rec_read(s, NULL, &len, &spans, &flags) !=
		    TRACING_OK) {
			if (s->size - s->rd >= REC_HDR && pread(s->fd, hdr,
			    REC_HDR, (off_t)s->rd) == REC_HDR &&
			    le32_get(hdr) == REC_MAGIC &&
			    le32_get(hdr + 12) <= SPANS_MAX)
				sp->dropped += le32_get(hdr + 12);
			tr_log(TRACING_LOG_WARN, "spool %s: %s: a torn record "
			    "at offset %llu skipped", sp->dir, s->name,
			    (unsigned long long)s->rd);
			if (ftruncate(s->fd, (off_t)s->rd) == 0)
				s->size = s->rd;
			break;
		}
		if (flags == REC_WAITING)
			s->waiting += spans;
	}
	s->rd = FILE_HDR;
}

/* Takes name over if no one holds it and it fits under the cap. */
static void
adopt_one(struct tr_spool *sp, const char *name)
{
	struct stat	 st;
	struct seg	*s, tmp;
	char		 magic[FILE_HDR];
	size_t		 at;
	int		 fd;

	if ((fd = openat(sp->dirfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) ==
	    -1)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode) || st.st_nlink == 0) {
		(void)close(fd);
		return;
	}
	if (name[0] == '.') {
		/* A file whose creator died before it was named. */
		(void)unlinkat(sp->dirfd, name, 0);
		(void)close(fd);
		return;
	}
	if ((sp->nsegs > 0 && sp->bytes + (uint64_t)st.st_size >
	    sp->max_bytes) || st.st_size < FILE_HDR ||
	    pread(fd, magic, FILE_HDR, 0) != FILE_HDR ||
	    memcmp(magic, file_magic, FILE_HDR) != 0) {
		(void)close(fd);
		return;
	}
	memset(&tmp, 0, sizeof(tmp));
	(void)snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	tmp.fd = fd;
	tmp.size = (uint64_t)st.st_size;
	tmp.adopted = 1;
	seg_scan(sp, &tmp);
	if (tmp.waiting == 0) {
		(void)unlinkat(sp->dirfd, name, 0);
		(void)close(fd);
		return;
	}
	/* After the files adopted before, ahead of this process's own. */
	for (at = 0; at < sp->nsegs && sp->segs[at].adopted; at++)
		;
	s = &sp->segs[at];
	memmove(s + 1, s, (sp->nsegs - at) * sizeof(*s));
	*s = tmp;
	sp->nsegs++;
	sp->bytes += tmp.size;
	tr_log(TRACING_LOG_INFO, "spool %s: adopted %s (%llu spans)", sp->dir,
	    name, (unsigned long long)tmp.waiting);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(a, b));
}

/* A file of the spool's, not one of this spool's own. */
static int
spool_name(const struct tr_spool *sp, const char *n)
{
	size_t	len = strlen(n);

	if (len >= NAME_MAX_LEN || strncmp(n, sp->id, strlen(sp->id)) == 0 ||
	    (n[0] == '.' && strncmp(n + 1, sp->id, strlen(sp->id)) == 0))
		return (0);
	if (strncmp(n, "cotel-", 6) == 0 && len > 6 &&
	    strcmp(n + len - 6, ".spool") == 0)
		return (1);
	return (strncmp(n, ".cotel-", 7) == 0 && len > 4 &&
	    strcmp(n + len - 4, ".tmp") == 0);
}

/*
 * Adopts the files of the spool directory that no live process holds,
 * oldest name first; returns how many files it now holds.
 */
size_t
tr_spool_adopt(struct tr_spool *sp)
{
	struct dirent	*de;
	DIR		*d;
	char		(*names)[NAME_MAX_LEN];
	size_t		 n, i;
	int		 fd;

	if (sp->have_cur)
		return (sp->nsegs);
	if ((fd = openat(sp->dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (sp->nsegs);
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (sp->nsegs);
	}
	if ((names = tr_calloc(SCAN_MAX, sizeof(*names))) == NULL) {
		(void)closedir(d);
		return (sp->nsegs);
	}
	n = 0;
	while (n < SCAN_MAX && (de = readdir(d)) != NULL) {
		if (spool_name(sp, de->d_name))
			(void)snprintf(names[n++], NAME_MAX_LEN, "%s",
			    de->d_name);
	}
	(void)closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && sp->nsegs < SPOOL_SEGS - 2; i++)
		adopt_one(sp, names[i]);
	tr_free(names);
	return (sp->nsegs);
}

/*
 * Opens the spool of cfg (TRACING_SPOOL_DIR, made if missing) for this
 * process and adopts what dead processes left there.
 */
int
tr_spool_open(struct tr_spool **out, const struct tracing_config *cfg)
{
	struct tr_spool	*sp;

	*out = NULL;
	if ((sp = tr_calloc(1, sizeof(*sp))) == NULL)
		return (TRACING_ERR_NOMEM);
	(void)snprintf(sp->dir, sizeof(sp->dir), "%s", cfg->spool_dir);
	sp->max_bytes = cfg->spool_max_bytes;
	sp->seg_max = sp->max_bytes / 8;
	sp->sync = cfg->spool_fsync;
	(void)snprintf(sp->id, sizeof(sp->id), "cotel-%016llx-%ld-%08x",
	    (unsigned long long)tracing_now(), (long)getpid(),
	    (unsigned int)tr_rand64());
	if (mkdir(sp->dir, 0700) == -1 && errno != EEXIST)
		goto fail;
	if ((sp->dirfd = open(sp->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		goto fail;
	(void)pthread_mutex_lock(&live_lock);
	sp->next_live = live;
	live = sp;
	(void)pthread_mutex_unlock(&live_lock);
	(void)tr_spool_adopt(sp);
	*out = sp;
	return (TRACING_OK);
fail:
	tr_log(TRACING_LOG_ERROR, "spool %s: %s: spans that cannot be "
	    "exported will be dropped", sp->dir, strerror(errno));
	tr_free(sp);
	return (TRACING_ERR_SYSTEM);
}

static void
unregister(struct tr_spool *sp)
{
	struct tr_spool	**pp;

	(void)pthread_mutex_lock(&live_lock);
	for (pp = &live; *pp != NULL; pp = &(*pp)->next_live) {
		if (*pp == sp) {
			*pp = sp->next_live;
			break;
		}
	}
	(void)pthread_mutex_unlock(&live_lock);
}

/* Closes the files, deleting those with nothing left to replay. */
void
tr_spool_close(struct tr_spool *sp)
{
	if (sp == NULL)
		return;
	unregister(sp);
	sp->have_cur = 0;
	while (sp->nsegs > 0)
		seg_close(sp, 0, sp->segs[0].waiting == 0);
	if (sp->dirfd >= 0)
		(void)close(sp->dirfd);
	tr_free(sp);
}

/*
 * A forked child: the parent's descriptors are closed (the locks stay
 * the parent's), nothing is deleted. From the atfork child handler.
 */
void
tr_spool_fork_child(void)
{
	struct tr_spool	*sp;
	size_t		 i;

	(void)pthread_mutex_init(&live_lock, NULL);
	for (sp = live; sp != NULL; sp = sp->next_live) {
		for (i = 0; i < sp->nsegs && i < SPOOL_SEGS; i++)
			(void)close(sp->segs[i].fd);
		sp->nsegs = 0;
		sp->bytes = 0;
		sp->have_cur = 0;
		if (sp->dirfd >= 0)
			(void)close(sp->dirfd);
		sp->dirfd = -1;
	}
	live = NULL;
}

/* The parent's spool, in a forked child (closed by the handler). */
void
tr_spool_forget(struct tr_spool *sp)
{
	if (sp != NULL)
		tr_free(sp);
}

int
tr_spool_waiting(const struct tr_spool *sp)
{
	size_t	i;

	for (i = 0; i < sp->nsegs; i++) {
		if (sp->segs[i].waiting > 0)
			return (1);
	}
	return (0);
}

void
tr_spool_counters(const struct tr_spool *sp, uint64_t *dropped,
    uint64_t *bytes)
{
	*dropped = sp->dropped;
	*bytes = sp->bytes;
}
