-- No foreign keys on the delivery rows (ADR 0007). A submission inserts eight or nine
-- deliveries, and each row fired two referential-integrity triggers (its submission, its
-- recipient) that looked up and share-locked the referenced row inside the group commit's
-- one transaction, which is the serial part of intake; every delivery attempt fired a third.
-- `rathaus bench --quick` on PostgreSQL: about 20 % more submissions/s without them. The
-- references are written only together with what they point to (sqlstore.InsertDeliveries in
-- the submit transaction, attempts after the UPDATE … RETURNING of their delivery), nothing
-- deletes submissions, recipients or deliveries, SQLite keeps the constraints (so every test
-- run on it enforces them), and `rathaus audit verify` checks them (DB.CheckReferences).
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_submission_id_fkey;
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_recipient_id_fkey;
ALTER TABLE delivery_attempts DROP CONSTRAINT IF EXISTS delivery_attempts_delivery_id_fkey;
