-- SPDX-License-Identifier: Apache-2.0
-- bootstrap.sql: the application role (a login, not a superuser) and one
-- database per service owned by it; run as the superuser, idempotent.
-- Used by scripts/pg.sh (native) and docker/db-init.sh (compose), with
-- psql variables user, pass, and the databases inventory_db, order_db,
-- gateway_db.
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'user', :'pass')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'user', :'pass') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', db, :'user')
  FROM unnest(ARRAY[:'inventory_db', :'order_db', :'gateway_db']) AS db
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = db) \gexec
