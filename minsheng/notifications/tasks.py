from django.utils import timezone
from django_tasks import task

from .channels import channel_for
from .models import Notification


@task()
def deliver(notification_id: int) -> str:
    n = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if n is None or n.state == Notification.State.SENT:
        return "skipped"
    try:
        channel_for(n.channel).deliver(n)
    except Exception as exc:  # a failed delivery is recorded, not lost
        Notification.objects.filter(pk=n.pk).update(state=Notification.State.FAILED, error=str(exc)[:300])
        raise
    Notification.objects.filter(pk=n.pk).update(state=Notification.State.SENT, sent_at=timezone.now())
    return "sent"
