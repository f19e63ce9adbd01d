"""项目库 — the search index of the project library.

One ``SearchEntry`` per application holds its text segmented by jieba (``search.segment``): the
title, the keywords and everything searchable (title, abstract, keywords, organisation, team leads,
number), as space-separated lower-cased tokens padded with a space at each end, so a token is found
on SQLite with ``contains(" token ")``. On PostgreSQL ``vector`` holds the same tokens as a weighted
``tsvector`` (``simple`` configuration: title A, keywords B, the rest D) under a GIN index created
by migration 0001 on PostgreSQL only.

The rows are an index, not business state: ``search.index_application`` rebuilds one from the
application at any time and ``manage.py reindex_library`` rebuilds them all.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    application = models.OneToOneField(
        "applications.Application",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_entry",
        verbose_name=_("项目申报"),
    )
    title_tokens = models.TextField(_("标题分词"), blank=True)
    keyword_tokens = models.TextField(_("关键词分词"), blank=True)
    tokens = models.TextField(_("全文分词"), blank=True)
    vector = SearchVectorField(null=True, blank=True)
    updated_at = models.DateTimeField(_("索引时间"), auto_now=True)

    class Meta:
        verbose_name = _("项目库索引")
        verbose_name_plural = _("项目库索引")

    def __str__(self) -> str:
        return f"index #{self.application_id}"
