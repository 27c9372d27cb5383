-- One database per service, owned by that service's own role (architecture §4: each service
-- has its own database). Runs once, when the PostgreSQL data volume is first initialised.
-- Passwords come from the container environment (PG_<SERVICE>_PASSWORD); none is written here.
-- An unset variable leaves `:'x'` unexpanded, which is a syntax error: initialisation fails.
\set ON_ERROR_STOP on

\getenv intake_password PG_INTAKE_PASSWORD
\getenv scheduling_password PG_SCHEDULING_PASSWORD
\getenv partners_password PG_PARTNERS_PASSWORD
\getenv subsidy_password PG_SUBSIDY_PASSWORD
\getenv training_password PG_TRAINING_PASSWORD

CREATE ROLE tsunagu_intake LOGIN PASSWORD :'intake_password';
CREATE DATABASE tsunagu_intake OWNER tsunagu_intake;
REVOKE ALL ON DATABASE tsunagu_intake FROM PUBLIC;

CREATE ROLE tsunagu_scheduling LOGIN PASSWORD :'scheduling_password';
CREATE DATABASE tsunagu_scheduling OWNER tsunagu_scheduling;
REVOKE ALL ON DATABASE tsunagu_scheduling FROM PUBLIC;

CREATE ROLE tsunagu_partners LOGIN PASSWORD :'partners_password';
CREATE DATABASE tsunagu_partners OWNER tsunagu_partners;
REVOKE ALL ON DATABASE tsunagu_partners FROM PUBLIC;

CREATE ROLE tsunagu_subsidy LOGIN PASSWORD :'subsidy_password';
CREATE DATABASE tsunagu_subsidy OWNER tsunagu_subsidy;
REVOKE ALL ON DATABASE tsunagu_subsidy FROM PUBLIC;

CREATE ROLE tsunagu_training LOGIN PASSWORD :'training_password';
CREATE DATABASE tsunagu_training OWNER tsunagu_training;
REVOKE ALL ON DATABASE tsunagu_training FROM PUBLIC;
