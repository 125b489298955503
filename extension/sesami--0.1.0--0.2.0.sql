-- sesami 0.1.0 -> 0.2.0.  Every schema change since 0.1.0, in the order a
-- fresh install (extension/sesami.sql) has it: test/upgrade.test.sh checks that
-- CREATE EXTENSION sesami VERSION '0.1.0' + ALTER EXTENSION sesami UPDATE gives
-- the same catalog as CREATE EXTENSION sesami, with the data kept.
\echo Use "ALTER EXTENSION sesami UPDATE TO '0.2.0'" to load this file. \quit
