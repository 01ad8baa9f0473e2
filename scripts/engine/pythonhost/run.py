# Runs a Pulumi Python program for pulumi-language-python (main.go), inside the program's own
# interpreter (its virtualenv's when it has one): connects the `pulumi` SDK to the engine, then runs
# the program's __main__.py (or the file given) as the stack's body. Our own, written for this host;
# it relies only on the SDK's public runtime API (pulumi >= 3.100).
import argparse
import asyncio
import logging
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

# The program showed the user an actionable message already: the host then ends the run quietly.
ALREADY_REPORTED = 32

try:
    import pulumi
    import pulumi.runtime
except ImportError as e:
    print(
        f"Cannot import the Pulumi SDK ({e}) with {sys.executable}.\n"
        "Install the program's requirements into the project's virtualenv: `pulumi install`, "
        "or `<virtualenv>/bin/pip install -r requirements.txt`.",
        file=sys.stderr,
    )
    sys.exit(ALREADY_REPORTED)


def parse_args():
    ap = argparse.ArgumentParser(prog="pulumi-language-python run")
    for name in ("monitor", "engine", "project", "stack", "organization", "root_directory", "pwd", "parallel", "dry_run", "tracing"):
        ap.add_argument("--" + name)
    ap.add_argument("program")
    ap.add_argument("args", nargs="*")
    return ap.parse_args()


def user_traceback(program):
    """The traceback from the program's main file on, without our frames, runpy's or the SDK's."""
    main_file = os.path.abspath(program if os.path.isfile(program) else os.path.join(program, "__main__.py"))
    frames = traceback.extract_tb(sys.exc_info()[2])
    for i, frame in enumerate(frames):
        if os.path.abspath(frame.filename) == main_file:
            return traceback.format_exc(limit=-(len(frames) - i))
    return traceback.format_exc()


def main():
    args = parse_args()
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    parallel = int(args.parallel) if args.parallel else None
    settings = pulumi.runtime.Settings(
        monitor=args.monitor,
        engine=args.engine,
        project=args.project,
        stack=args.stack,
        parallel=parallel,
        dry_run=args.dry_run == "true",
        organization=args.organization,
        root_directory=args.root_directory,
    )
    pulumi.runtime.configure(settings)
    if args.pwd:
        os.chdir(args.pwd)
    program = args.program
    if os.path.isdir(program) and not os.path.isfile(os.path.join(program, "__main__.py")):
        pulumi.log.error(f"no __main__.py in {os.path.abspath(program)}: a Python program starts there")
        return ALREADY_REPORTED
    sys.argv = [program, *args.args]

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # Outputs resolve on the loop's default executor: give it room for the requested parallelism.
    executor = ThreadPoolExecutor(max_workers=max(parallel or 1, 1) * 4)
    loop.set_default_executor(executor)
    # A failed run leaves futures nobody awaited; asyncio's complaints about them are noise.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(program, run_name="__main__")))
        return 0
    except pulumi.RunError as e:
        pulumi.log.error(str(e))
        return ALREADY_REPORTED
    except Exception:
        pulumi.log.error("Program failed with an unhandled exception:\n" + user_traceback(program))
        return ALREADY_REPORTED
    finally:
        executor.shutdown(wait=True)
        loop.close()
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
