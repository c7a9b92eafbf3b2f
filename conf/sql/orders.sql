-- SPDX-License-Identifier: Apache-2.0
-- Schema of the orders database (owned by order-service). Applying it again
-- is harmless (functions are dropped and made anew). An order is created once per reservation: a retry with the
-- same reservation id returns the order made the first time.

CREATE TABLE IF NOT EXISTS orders (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	reservation_id	text NOT NULL UNIQUE,
	user_id		bigint NOT NULL CHECK (user_id > 0),
	email		text NOT NULL,
	status		text NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
	total		numeric(16, 2) NOT NULL CHECK (total >= 0),
	currency	text NOT NULL DEFAULT 'USD',
	trace_id	text,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS order_items (
	order_id	uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	line		integer NOT NULL,
	sku		text NOT NULL,
	quantity	integer NOT NULL CHECK (quantity > 0),
	unit_price	numeric(16, 4) NOT NULL CHECK (unit_price >= 0),
	PRIMARY KEY (order_id, line)
);

DROP FUNCTION IF EXISTS create_order(text, bigint, text, jsonb, text);
DROP FUNCTION IF EXISTS order_json(uuid);

-- The order as the API shows it, items in line order.
CREATE OR REPLACE FUNCTION order_json(p_id uuid) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
	    'orderId', o.id, 'reservationId', o.reservation_id,
	    'userId', o.user_id, 'status', o.status, 'total', o.total,
	    'currency', o.currency, 'traceId', o.trace_id,
	    'createdAt', to_char(o.created_at AT TIME ZONE 'UTC',
		'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
	    'items', coalesce((SELECT json_agg(json_build_object('sku', i.sku,
		'quantity', i.quantity, 'price', i.unit_price) ORDER BY i.line)
		FROM order_items i WHERE i.order_id = o.id), '[]'::json))
	  FROM orders o WHERE o.id = p_id;
$$;

-- create_order: answers (created, order) where created is false when the
-- reservation already had an order (then that order is returned as it is).
CREATE OR REPLACE FUNCTION create_order(p_reservation text, p_user bigint,
    p_email text, p_items jsonb, p_trace text)
RETURNS TABLE (created boolean, body json)
LANGUAGE plpgsql AS $$
DECLARE
	v_id	uuid;
BEGIN
	INSERT INTO orders (reservation_id, user_id, email, status, total,
	    trace_id)
	SELECT p_reservation, p_user, p_email, 'confirmed',
	    round(sum(i.quantity * i.price), 2), p_trace
	  FROM jsonb_to_recordset(p_items) AS i(sku text, quantity int,
	    price numeric)
	ON CONFLICT (reservation_id) DO NOTHING
	RETURNING id INTO v_id;

	IF v_id IS NULL THEN
		SELECT o.id INTO v_id FROM orders o
		 WHERE o.reservation_id = p_reservation;
		RETURN QUERY SELECT false, order_json(v_id);
		RETURN;
	END IF;

	INSERT INTO order_items (order_id, line, sku, quantity, unit_price)
	SELECT v_id, i.line, i.sku, i.quantity, i.price
	  FROM ROWS FROM (jsonb_to_recordset(p_items) AS (sku text,
	    quantity int, price numeric)) WITH ORDINALITY
	    AS i(sku, quantity, price, line);

	RETURN QUERY SELECT true, order_json(v_id);
END;
$$;

-- cancel_order_for: marks the reservation's order cancelled, or leaves a
-- cancelled placeholder so that a create arriving late cannot confirm it.
CREATE OR REPLACE FUNCTION cancel_order_for(p_reservation text)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	UPDATE orders SET status = 'cancelled'
	 WHERE reservation_id = p_reservation AND status = 'confirmed';
	IF FOUND THEN
		RETURN 'cancelled';
	END IF;
	INSERT INTO orders (reservation_id, user_id, email, status, total)
	VALUES (p_reservation, 1, '', 'cancelled', 0)
	ON CONFLICT (reservation_id) DO NOTHING;
	RETURN 'not_found';
END;
$$;

-- orders_of: the status of the order of each reservation of a JSON array of
-- ids that has one ('confirmed', or 'cancelled', also the placeholder that
-- cancel_order_for leaves); ids without an order are left out.
CREATE OR REPLACE FUNCTION orders_of(p_ids jsonb)
RETURNS TABLE (reservation_id text, status text) LANGUAGE sql STABLE AS $$
	SELECT o.reservation_id, o.status
	  FROM orders o
	 WHERE o.reservation_id IN (SELECT jsonb_array_elements_text(p_ids));
$$;
