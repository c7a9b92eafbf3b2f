-- SPDX-License-Identifier: Apache-2.0
-- Schema of the gateway database (owned by api-gateway): Idempotency-Key
-- records. A key is claimed before any work; the final answer is stored so
-- a retry gets the same answer; an answer that must not stick (5xx) frees
-- the key again. A claim left by a crashed request goes stale after a while.
-- A claim has an owner (the request's reservation id): only its owner stores
-- the answer or frees the key, also once the request's client is gone.

CREATE TABLE IF NOT EXISTS idempotency_keys (
	key		text PRIMARY KEY,
	request_hash	text NOT NULL,
	state		text NOT NULL CHECK (state IN ('in_progress', 'done')),
	status		integer,
	response	text,
	location	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS owner text;

-- idem_claim: outcome 'claimed' (go ahead), 'replay' (status, response and
-- location hold the first answer), 'mismatch' (same key, other body) or
-- 'in_progress' (the first request is still running). A stale claim is
-- taken over by the new owner.
DROP FUNCTION IF EXISTS idem_claim(text, text, int);
CREATE OR REPLACE FUNCTION idem_claim(p_key text, p_hash text, p_stale_s int,
    p_owner text)
RETURNS TABLE (outcome text, status integer, response text, location text)
LANGUAGE plpgsql AS $$
DECLARE
	v	idempotency_keys%ROWTYPE;
BEGIN
	INSERT INTO idempotency_keys (key, request_hash, state, owner)
	VALUES (p_key, p_hash, 'in_progress', p_owner)
	ON CONFLICT (key) DO UPDATE SET updated_at = now(), owner = p_owner
	 WHERE idempotency_keys.state = 'in_progress'
	   AND idempotency_keys.request_hash = p_hash
	   AND idempotency_keys.updated_at <
	       now() - make_interval(secs => p_stale_s)
	RETURNING * INTO v;
	IF FOUND THEN
		RETURN QUERY SELECT 'claimed'::text, NULL::int, NULL::text,
		    NULL::text;
		RETURN;
	END IF;

	SELECT * INTO v FROM idempotency_keys WHERE key = p_key;
	IF v.request_hash <> p_hash THEN
		RETURN QUERY SELECT 'mismatch'::text, NULL::int, NULL::text,
		    NULL::text;
	ELSIF v.state = 'done' THEN
		RETURN QUERY SELECT 'replay'::text, v.status, v.response,
		    v.location;
	ELSE
		RETURN QUERY SELECT 'in_progress'::text, NULL::int,
		    NULL::text, NULL::text;
	END IF;
END;
$$;

-- The reservation sweeper's cursor: the last reservation it checked
-- (created_at in microseconds since the epoch, id). Made at the first start
-- at that moment: reservations older than the sweeper are not examined.
CREATE TABLE IF NOT EXISTS sweep_cursor (
	name		text PRIMARY KEY,
	after_us	bigint NOT NULL,
	after_id	text NOT NULL,
	updated_at	timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sweep_cursor (name, after_us, after_id)
VALUES ('reservations', (extract(epoch FROM now()) * 1000000)::bigint, '')
ON CONFLICT (name) DO NOTHING;
