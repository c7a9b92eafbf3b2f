/* SPDX-License-Identifier: Apache-2.0 */
/*
 * idem.c: the Idempotency-Key statements of the gateway's database. A
 * claim has an owner, the order's reservation id (conf/sql: idem_claim),
 * and only its owner stores the answer on it or drops it; a claim left
 * in progress longer than IDEMPOTENCY_STALE_S can be taken over.
 */

#include <string.h>

#include "svc_db.h"

#include "gateway.h"

/* Claims key for owner, for a body of the given SHA-256 (hex). */
void
idem_claim_prepare(struct svc_db *db, const char *key, const char *hash,
    const char *owner)
{
	svc_db_prepare(db, GW_DB, "SELECT outcome, status, response,"
	    " location FROM idem_claim($1, $2, $3::int, $4)");
	svc_db_param(db, key);
	svc_db_param(db, hash);
	svc_db_param(db, gw.stale_s);
	svc_db_param(db, owner);
}

/* What a claim that ran (SVC_DB_DONE) found. */
enum idem_claim
idem_claim_outcome(struct svc_db *db)
{
	const char	*outcome;

	outcome = svc_db_value(db, 0, "outcome");
	if (outcome == NULL || !strcmp(outcome, "claimed"))
		return (IDEM_CLAIMED);
	if (!strcmp(outcome, "replay"))
		return (IDEM_REPLAY);
	if (!strcmp(outcome, "mismatch"))
		return (IDEM_MISMATCH);
	return (IDEM_BUSY);
}

/*
 * The key's end, by its owner: store the answer (status, answer, location:
 * borrowed, they must outlive the statement) or drop the claim.
 */
void
idem_finish_prepare(struct svc_db *db, int store, const char *key,
    const char *owner, const char *status, const char *answer,
    const char *location)
{
	if (store) {
		svc_db_prepare(db, GW_DB, "UPDATE idempotency_keys SET state ="
		    " 'done', status = $3::int, response = $4, location ="
		    " nullif($5, ''), updated_at = now() WHERE key = $1"
		    " AND owner = $2");
	} else {
		svc_db_prepare(db, GW_DB, "DELETE FROM idempotency_keys WHERE"
		    " key = $1 AND owner = $2 AND state = 'in_progress'");
	}
	svc_db_param(db, key);
	svc_db_param(db, owner);
	if (store) {
		svc_db_param(db, status);
		svc_db_param(db, answer);
		svc_db_param(db, location);
	}
}
