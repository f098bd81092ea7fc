"""What every benchmark shares: one module a job.

- `run`: one run's scratch folder, its clean-up on any exit, the entry point and progress output;
- `processes`: child processes (long-running ones with a log, helpers spoken to over stdin);
- `child`: the entry point of those helpers (`python -m bench.harness.child MODULE:FUNCTION`);
- `environment`: where the services are, and the production environment the product gets;
- `database`: a throwaway PostgreSQL database, migrated as production migrates;
- `web_server`: gunicorn, started with the Dockerfile's own command;
- `celery_worker`: a Celery worker as production runs one, on a queue of the run's own;
- `sandbox_upstream`: the sandbox upstream (`from sandbox import SandboxServer`) in a process;
- `http_connection`, `load_generator`: a concurrent HTTP/1.1 client with latency percentiles;
- `pg_baselines`: raw PostgreSQL baselines (batched inserts, a query's latency);
- `sql_trace`: requests through Django's WSGI handler in-process, with the SQL they send;
- `cpu`: CPU time of processes and of the whole machine, from /proc;
- `report`: the table, notes and checks, printed, and optionally written as JSON.
"""
