"""What the triage engine keeps between requests: each demand's meaning vector, so that a new demand
is compared with open ones by meaning without recomputing theirs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MeaningVector(models.Model):
    """The multilingual-e5-small vector of a demand's text without its place words (float16 bytes)."""

    demand = models.OneToOneField("demands.Demand", on_delete=models.CASCADE, related_name="meaning",
                                  verbose_name=_("诉求"))
    vector = models.BinaryField(_("语义向量"))
    text_digest = models.CharField(max_length=24, help_text=_("向量对应的文本摘要：文本改了就重新计算"))
    assessed_at = models.DateTimeField(_("评估时间"), auto_now=True)

    class Meta:
        verbose_name = _("语义向量")
        verbose_name_plural = _("语义向量")

    def __str__(self) -> str:
        return f"{self.demand_id}"
