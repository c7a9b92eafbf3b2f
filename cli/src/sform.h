/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sform.h: the search form's model (sform.c): its fields and their
 * choices, the search request it describes, the auto-refresh intervals,
 * and the line editor its fields and the '/' prompt share.
 */
#ifndef TRACECTL_SFORM_H
#define TRACECTL_SFORM_H

#include <stddef.h>
#include <stdint.h>

/* The search form. */
enum field {
	F_SERVICE = 0,
	F_OPERATION,
	F_MINDUR,
	F_ERRORS,
	F_LOOKBACK,
	F_END,
	F_LIMIT,
	F_SORT,
	F_REFRESH,
	F_MAXDUR,
	F_TAGS,
	F_TRACEID,
	F_GO,
	F_COUNT
};

struct sform {
	char		 text[F_COUNT][128];
	char		**choices[F_COUNT];	/* NULL-terminated; owned */
	size_t		 cur;
	int		 editing;
	size_t		 edit_pos;	/* byte offset in the edited text */
	char		 saved[128];	/* the text before editing (Esc) */
};

/* A search as the form describes it. */
struct search_req {
	char		 service[128];	/* "": all */
	char		 operation[128];	/* "": all */
	int64_t		 min_duration_us;
	int64_t		 max_duration_us;	/* 0: none */
	char		 tags[128];	/* "key=value ..." ("": none) */
	char		 trace_id[40];	/* "": search; else open this trace */
	int		 errors_only;
	int64_t		 start_us, end_us;
	long		 limit;
	int		 by_duration;
	int64_t		 refresh_us;	/* 0: off */
};

/* Auto-refresh intervals (0: off), shared by the form and the list. */
extern const int64_t refresh_intervals[];
extern const size_t refresh_nintervals;
/* An interval's label, the same everywhere ("off", "5s", "1m"). */
void		 refresh_label(int64_t, char *, size_t);

void		 sform_init(struct sform *);
void		 sform_cleanup(struct sform *);
/* Replace a field's choices (copied); keeps the value when present. */
void		 sform_set_choices(struct sform *, enum field, char **, size_t);
void		 sform_cycle(struct sform *, int);
/* Returns 0, or -1 with the reason in err and the cursor on the field. */
int		 sform_request(struct sform *, int64_t, struct search_req *,
		    char *, size_t);
/* The form's tags split in place at spaces: up to max words into v. */
size_t		 tags_split(char *, const char **, size_t);
/* Edit text (cap bytes) at *pos: 0 not taken, 1 taken, 2 Enter. */
int		 line_edit(char *, size_t, size_t *, int);
/* A line editor over a field: returns 1 when the key was taken. */
int		 sform_edit_key(struct sform *, int);

#endif
