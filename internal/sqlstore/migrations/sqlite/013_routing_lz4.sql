-- PostgreSQL only (lz4 compression of routing decisions); SQLite stores rows as they are.
SELECT 1;
