-- PostgreSQL only (ADR 0007: no foreign keys on the delivery rows there); SQLite keeps them,
-- so every test run on it enforces the references.
SELECT 1;
