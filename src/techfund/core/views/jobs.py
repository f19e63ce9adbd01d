"""后台任务 pages: a job's progress (polled by htmx to draw the progress bar). Owned by the jobs work."""
