-- Runs once, when the PostgreSQL data directory is initialised (docker-entrypoint-initdb.d):
-- one database per service that keeps its data in PostgreSQL. The tables are the services'
-- business: each applies its own migrations at start-up.
CREATE DATABASE users;
CREATE DATABASE inventory;
