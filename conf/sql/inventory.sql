-- SPDX-License-Identifier: Apache-2.0
-- Schema of the inventory database (owned by inventory-service): stock per
-- SKU and reservations. Applying it again is harmless. Reservation is all or
-- nothing: one conditional update per item inside one transaction, in SKU
-- order so that concurrent reservations never deadlock.

CREATE TABLE IF NOT EXISTS stock (
	sku		text PRIMARY KEY CHECK (sku ~ '^[A-Za-z0-9_-]{1,64}$'),
	name		text NOT NULL DEFAULT '',
	available	integer NOT NULL CHECK (available >= 0),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS reservations (
	id		text PRIMARY KEY,
	state		text NOT NULL CHECK (state IN ('reserved', 'released')),
	items		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	released_at	timestamptz
);

-- reserve_stock: reserves every item or none. Answers one row per item:
--   status 'reserved' (available = what is left), or for the first item that
--   cannot be had 'out_of_stock' / 'unknown_sku' (available = what there is),
--   or 'exists' when this reservation id was already reserved with the same
--   items, 'conflict' when it was used with other items or released.
CREATE OR REPLACE FUNCTION reserve_stock(p_id text, p_skus text[], p_qtys int[])
RETURNS TABLE (status text, sku text, requested int, available int)
LANGUAGE plpgsql AS $$
DECLARE
	v_items	jsonb;
	v_old	reservations%ROWTYPE;
	v_have	int;
	r	record;
BEGIN
	SELECT coalesce(jsonb_agg(jsonb_build_object('sku', t.sku,
	    'quantity', t.qty) ORDER BY t.sku), '[]'::jsonb)
	  INTO v_items
	  FROM (SELECT u.sku, sum(u.qty)::int AS qty
		  FROM unnest(p_skus, p_qtys) AS u(sku, qty)
		 GROUP BY u.sku) t;

	SELECT * INTO v_old FROM reservations WHERE id = p_id;
	IF FOUND THEN
		IF v_old.state = 'reserved' AND v_old.items = v_items THEN
			RETURN QUERY SELECT 'exists'::text, i.sku, i.quantity,
			    s.available
			  FROM jsonb_to_recordset(v_old.items)
			    AS i(sku text, quantity int)
			  JOIN stock s ON s.sku = i.sku;
		ELSE
			RETURN QUERY SELECT 'conflict'::text, NULL::text,
			    NULL::int, NULL::int;
		END IF;
		RETURN;
	END IF;

	BEGIN
		FOR r IN SELECT i.sku, i.quantity
			   FROM jsonb_to_recordset(v_items)
			     AS i(sku text, quantity int)
			  ORDER BY i.sku
		LOOP
			UPDATE stock s SET available = s.available - r.quantity,
			    updated_at = now()
			 WHERE s.sku = r.sku AND s.available >= r.quantity;
			IF NOT FOUND THEN
				SELECT s.available INTO v_have FROM stock s
				 WHERE s.sku = r.sku;
				status := CASE WHEN v_have IS NULL
				    THEN 'unknown_sku' ELSE 'out_of_stock' END;
				sku := r.sku;
				requested := r.quantity;
				available := coalesce(v_have, 0);
				RAISE EXCEPTION USING ERRCODE = 'P0001',
				    MESSAGE = 'not_reservable';
			END IF;
		END LOOP;
		INSERT INTO reservations (id, state, items)
		VALUES (p_id, 'reserved', v_items);
		RETURN QUERY SELECT 'reserved'::text, i.sku, i.quantity,
		    s.available
		  FROM jsonb_to_recordset(v_items) AS i(sku text, quantity int)
		  JOIN stock s ON s.sku = i.sku
		 ORDER BY i.sku;
	EXCEPTION
		WHEN raise_exception THEN
			-- Everything this block updated is rolled back.
			RETURN QUERY SELECT status, sku, requested, available;
			RETURN;
		WHEN unique_violation THEN
			RETURN QUERY SELECT 'conflict'::text, NULL::text,
			    NULL::int, NULL::int;
			RETURN;
	END;
END;
$$;

-- reserve_stock_batch: several reservations in one statement, so in one
-- transaction and one commit (inventory-service's group commit: a hot SKU
-- is updated by a whole batch per WAL flush, not by one reservation). Each
-- reservation is reserve_stock's, in its own subtransaction: one out of
-- stock rolls back only itself. Every stock row the batch touches is
-- locked first, in SKU order, so two batches never wait on each other in a
-- cycle. p_batch: [{"i": n, "id": ..., "skus": "{...}", "qtys": "{...}"}];
-- answers reserve_stock's rows, each with the i of its reservation.
CREATE OR REPLACE FUNCTION reserve_stock_batch(p_batch jsonb)
RETURNS TABLE (idx int, status text, sku text, requested int, available int)
LANGUAGE plpgsql AS $$
DECLARE
	m	record;
BEGIN
	PERFORM 1 FROM stock s
	 WHERE s.sku IN (SELECT DISTINCT unnest((e->>'skus')::text[])
			   FROM jsonb_array_elements(p_batch) e)
	 ORDER BY s.sku
	   FOR UPDATE;
	FOR m IN SELECT (e->>'i')::int AS i, e->>'id' AS id,
		    (e->>'skus')::text[] AS skus, (e->>'qtys')::int[] AS qtys
		   FROM jsonb_array_elements(p_batch) e
		  ORDER BY (e->>'i')::int
	LOOP
		RETURN QUERY SELECT m.i, r.status, r.sku, r.requested,
		    r.available
		  FROM reserve_stock(m.id, m.skus, m.qtys) r;
	END LOOP;
END;
$$;

-- release_reservation: gives the stock back once. Releasing an unknown id
-- leaves a tombstone, so a reservation arriving late with that id fails.
-- A reservation of that id still being committed (a batch in flight) is
-- invisible to the UPDATE, but makes the tombstone's INSERT wait for it and
-- then do nothing: look again then (each statement sees what is committed
-- when it starts), or that reservation would keep its stock.
CREATE OR REPLACE FUNCTION release_reservation(p_id text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v_items	jsonb;
BEGIN
	LOOP
		UPDATE reservations SET state = 'released', released_at = now()
		 WHERE id = p_id AND state = 'reserved'
		RETURNING items INTO v_items;
		EXIT WHEN FOUND;
		INSERT INTO reservations (id, state, items, released_at)
		VALUES (p_id, 'released', '[]'::jsonb, now())
		ON CONFLICT (id) DO NOTHING;
		IF FOUND THEN
			RETURN 'not_reserved';
		END IF;
		PERFORM 1 FROM reservations
		 WHERE id = p_id AND state = 'reserved';
		IF NOT FOUND THEN
			RETURN 'not_reserved';
		END IF;
	END LOOP;
	UPDATE stock s SET available = s.available + i.quantity,
	    updated_at = now()
	  FROM jsonb_to_recordset(v_items) AS i(sku text, quantity int)
	 WHERE s.sku = i.sku;
	RETURN 'released';
END;
$$;

-- held_reservations: reservations still holding stock that were made more
-- than p_older_than_s seconds ago, after the cursor (created_at in
-- microseconds since the epoch, then id), oldest first: what the gateway's
-- sweeper checks against the orders (a gateway that died mid-order leaves
-- its reservation held). A reservation that became an order stays
-- 'reserved' too: the sweeper reads each once, behind its cursor.
CREATE INDEX IF NOT EXISTS reservations_held ON reservations (created_at, id)
	WHERE state = 'reserved';

CREATE OR REPLACE FUNCTION held_reservations(p_after_us bigint,
    p_after_id text, p_older_than_s int, p_limit int)
RETURNS TABLE (id text, created_us bigint) LANGUAGE sql STABLE AS $$
	SELECT r.id, ((extract(epoch FROM r.created_at) * 1000000)::numeric)::bigint
	  FROM reservations r
	 WHERE r.state = 'reserved'
	   AND (r.created_at, r.id) > (timestamptz 'epoch' +
	       p_after_us * interval '1 microsecond', p_after_id)
	   AND r.created_at < now() - p_older_than_s * interval '1 second'
	 ORDER BY r.created_at, r.id
	 LIMIT p_limit;
$$;
