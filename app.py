"""MedProcure: the Chalice application. Builds the app and nothing else:
blueprints, schedules and queue consumers are registered here; all logic
lives in ``chalicelib``."""
import gc

# No collection while the module graph is built (nothing built here is garbage); see the end of the module.
_collecting = gc.isenabled()
gc.disable()

from chalice import Chalice, Rate  # noqa: E402

from chalicelib import resources
from chalicelib.config import get_settings
from chalicelib.handlers import (
    _auth, allocation, auth, authorities, catalog, code_matching, dictionaries, documents, health, jobs, openapi, organisation,
    product_import, project_results, projects, records, reviews, workbench,
)
from chalicelib.handlers._http import framework_errors
from chalicelib.logs import configure as configure_logs
from chalicelib.notify import OUTBOX_STAGES

settings = get_settings()
configure_logs(settings.log_level)

app = Chalice(app_name=resources.APP_NAME)
# No CORS: the portal reaches the API on its own origin (CloudFront's /api/*, vite preview's proxy),
# so no response names another origin (docs/portal.md).
app.register_middleware(framework_errors, "http")  # Chalice's own 405/415 bodies in our error shape
for blueprint in (_auth.bp, health.bp, dictionaries.bp, jobs.bp, openapi.bp, auth.bp, organisation.bp,
                  authorities.bp, records.bp, reviews.bp, documents.bp, catalog.bp, product_import.bp,
                  projects.bp, workbench.bp, project_results.bp, code_matching.bp, allocation.bp):
    app.register_blueprint(blueprint)
if settings.stage in OUTBOX_STAGES:  # the dev outbox does not exist on dev/prod
    from chalicelib.handlers import dev

    app.register_blueprint(dev.bp)

_jobs_queue = resources.queue_by_logical("jobs")


@app.on_sqs_message(queue=resources.queue_name(settings.prefix, _jobs_queue), batch_size=1)
def run_job_messages(event):
    from chalicelib.workers import run_job_messages as work

    work(event)


@app.schedule(Rate(resources.schedule_for("reap_stale_jobs").rate_minutes, unit=Rate.MINUTES))
def reap_stale_jobs(event):
    from chalicelib.workers import reap_stale_jobs as work

    work(event)


@app.schedule(Rate(resources.schedule_for("reconcile_review_signals").rate_minutes, unit=Rate.MINUTES))
def reconcile_review_signals(event):
    from chalicelib.workers import reconcile_review_signals as work

    work(event)


@app.schedule(Rate(resources.schedule_for("advance_project_windows").rate_minutes, unit=Rate.MINUTES))
def advance_project_windows(event):
    from chalicelib.workers import advance_project_windows as work

    work(event)


@app.schedule(Rate(resources.schedule_for("check_consistency").rate_minutes, unit=Rate.MINUTES))
def check_consistency(event):
    from chalicelib.workers import check_consistency as work

    work(event)


# Everything above lives as long as the process: move it out of the collector's reach, so the full
# collections the first request's imports (PynamoDB, botocore, services) trigger do not walk every route,
# schema and module again (~50 ms CPU of a cold start with the collection skipped above; bench/cold_start.py,
# docs/benchmarks.md). A failed import leaves the collector off: the process (a Lambda's init) fails anyway.
gc.freeze()
if _collecting:
    gc.enable()
