"""The project library's services: the only code here that writes (the export leaves an audit event)."""

from techfund.library.services.exports import Export, export_results

__all__ = ["Export", "export_results"]
