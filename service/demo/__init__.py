"""The demo city across domains (above them, like `service.app` and `service.cli`).

`service.demo.service.load_demo` stores the demo geography (`service.geography.demo`) and the public map
on top of it (`service.publicmap.loading`); `create_demo_accounts` adds the demo accounts. The `whistle
demo …` commands are in `service.demo.cli`. Every row is marked demo.
"""
