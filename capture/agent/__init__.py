"""The remote agent's former home, kept so that ``python -m capture.agent`` keeps working
(a contract: agents in the field run it). The agent is :mod:`smdr.agent`."""
