# nbgrader's configuration in the formgrader's container only (JUPYTER_CONFIG_PATH, set by
# decoder/hub/formgrader.py, puts it before the learners' one in /opt/venv/etc/jupyter): its home
# reads the released exercises from the course service's released.json, not over the network.
c = get_config()  # noqa: F821
c.ExchangeFactory.list = "decoder_exchange.FormgraderList"
