"""hearth.exe: the command line (a console program), as `hearth` is on Linux."""

from app.cli import main

raise SystemExit(main())
