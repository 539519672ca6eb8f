"""Every domain's models, imported in one place for Alembic and the shell."""

from app.accounts.models import Membership, Organisation, OrganisationKind, Role, SizeCategory, User
from app.alerts.models import (
    EmailMode,
    EmailStatus,
    Frequency,
    MutedNeed,
    Notification,
    NotificationPreference,
    OutgoingEmail,
    PeriodicRun,
    SavedSearch,
)
from app.api.models import ApiToken
from app.audit.models import AuditEntry
from app.bids.models import Award, Bid, BidStatus, Evaluation
from app.billing.models import BillingAccount, StripeEvent, SubscriptionStatus
from app.commitments.models import (
    Commitment,
    CommitmentRevision,
    Purchase,
    PurchaseSource,
    PurchaseStatus,
)
from app.events import OutboxEvent
from app.needs.models import (
    Amendment,
    Answer,
    Attachment,
    CategoryRow,
    Invitation,
    Need,
    NeedFollow,
    NeedStatus,
    Question,
    Route,
    Visibility,
)
from app.operations.models import Operation, OperationKind, OperationStatus
from app.suppliers.models import Certification, Solution, SolutionAdoption, SupplierProfile

__all__ = [name for name in dir() if name[0].isupper()]
