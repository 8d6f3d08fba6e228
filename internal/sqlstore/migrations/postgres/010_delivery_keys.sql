-- Deliveries without a UNIQUE index on idempotency_key. The key is derived from the
-- submission and the recipient (delivery.IdempotencyKey), a pair that is unique already
-- (UNIQUE (submission_id, recipient_id)); its own index put every new delivery at a random
-- place of one more B-tree.
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_idempotency_key_key;
