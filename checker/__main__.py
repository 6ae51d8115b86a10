from natpolicy.cli import run

run()
