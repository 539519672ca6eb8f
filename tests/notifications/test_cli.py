"""The jobs commands on the embedded defaults."""


def test_the_worker_command_says_when_no_redis_is_configured(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output
