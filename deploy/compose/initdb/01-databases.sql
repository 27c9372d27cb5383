-- One database per service, owned by that service's own role (architecture §4: each service
-- has its own database). Runs once, when the PostgreSQL data volume is first initialised.
-- Passwords come from the secret files compose mounts (/run/secrets/initdb/<service>_password);
-- none is written here. A missing file fails the `cat`, and with it the initialisation.
\set ON_ERROR_STOP on

\set intake_password `cat /run/secrets/initdb/intake_password`
\set scheduling_password `cat /run/secrets/initdb/scheduling_password`
\set partners_password `cat /run/secrets/initdb/partners_password`
\set subsidy_password `cat /run/secrets/initdb/subsidy_password`
\set training_password `cat /run/secrets/initdb/training_password`

-- psql goes on after a failed `cat` with an empty value: refuse that, rather than create roles
-- without passwords. psql has no "exit with an error", so a failing statement stops it.
SELECT :'intake_password' = '' OR :'scheduling_password' = '' OR :'partners_password' = ''
    OR :'subsidy_password' = '' OR :'training_password' = '' AS password_missing \gset
\if :password_missing
  \warn 'a password file under /run/secrets/initdb is missing or empty: nothing was created'
  SELECT 1 / 0 AS password_missing;
\endif

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
