-- PostgreSQL only (lz4 compression of message bodies); SQLite stores rows as they are.
SELECT 1;
