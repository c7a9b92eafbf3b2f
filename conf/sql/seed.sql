-- SPDX-License-Identifier: Apache-2.0
-- Seed stock for the inventory database. Only inserts what is missing, so
-- running it again never resets stock that orders have used.
INSERT INTO stock (sku, name, available) VALUES
	('SKU123', 'Espresso machine', 1000000),
	('SKU456', 'Coffee grinder', 5000),
	('SKU789', 'Milk frother', 250),
	('BEANS-1KG', 'Coffee beans, 1 kg', 100000),
	('OUT-OF-STOCK', 'Discontinued kettle', 0)
ON CONFLICT (sku) DO NOTHING;
