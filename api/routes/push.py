"""Web Push subscriptions."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import Config, CurrentUser, Db, Pusher
from api.services import push
from schemas.push import PushKey, PushSubscriptionIn, PushUnsubscribe

router = APIRouter(prefix="/push", tags=["push"])


@router.get("/key")
async def key(pusher: Pusher) -> PushKey:
    """The key a browser subscribes with."""
    return PushKey(public_key=push.public_key(pusher.vapid))


@router.post("/subscriptions", status_code=status.HTTP_204_NO_CONTENT)
async def subscribe(body: PushSubscriptionIn, principal: CurrentUser, db: Db,
                    settings: Config) -> Response:
    """Let this device get a pause while the app is closed or the phone locked."""
    await push.subscribe(db=db, settings=settings, account_id=principal.account_id,
                         device_id=principal.device_id, body=body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/subscriptions", status_code=status.HTTP_204_NO_CONTENT)
async def unsubscribe(body: PushUnsubscribe, principal: CurrentUser, db: Db) -> Response:
    """Stop pushes to this device."""
    await push.unsubscribe(db=db, account_id=principal.account_id, endpoint=body.endpoint)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
