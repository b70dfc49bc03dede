"""Couriers in the grid (新就业群体融入基层治理): platform companies and outlets, riders registered with
communities and hired as mobile grid workers, 1+N pairing with grid workers, community passes,
volunteer activities and service projects, and the points ledger (双积分) with redemption.

Importing the package installs the points hook (``settlement.install_hook``): case events written by
the workflow in any session are settled into points in the same transaction.
"""

from service.couriers.settlement import install_hook

install_hook()
