"""techfund — the integrated municipal S&T innovation fund platform (市级科技创新发展资金)."""
