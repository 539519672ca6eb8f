"""Long operations (imports, exports, reindex) run as background jobs with visible progress.

An ``Operation`` row is created in the request (``services.start_operation``) together with
an ``operation.queued`` outbox event; after the commit the relay hands the event to
``jobs.on_operation_queued``, which runs the operation inline (no Redis) or on an RQ worker.
The job commits its progress in short transactions of their own (``progress.Progress``),
so the owner's progress page (``views``) sees it move while the work itself stays one
transaction: a failure leaves nothing half done and marks the operation failed.
"""
