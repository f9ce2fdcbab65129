"""``branchmark serve``: the web server (gunicorn; the Werkzeug server with --dev)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command(help="启动网站服务 (start the web server).")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 (address).")
@click.option("--port", default=5000, show_default=True, type=int, help="端口 (port).")
@click.option("--workers", default=2, show_default=True, type=int, help="工作进程数 (workers).")
@click.option("--dev", is_flag=True, help="开发模式：自动重载 (development server with reload).")
@with_appcontext
def serve(host: str, port: int, workers: int, dev: bool) -> None:
    click.echo(f"党支部标准化规范化建设平台: http://{host}:{port}/")
    if dev:
        current_app.run(host=host, port=port, debug=True, use_reloader=True)
        return
    from gunicorn.app.base import BaseApplication

    from core.app import create_app

    class _Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")

        def load(self):
            return create_app()

    _Server().run()
