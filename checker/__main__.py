from natpolicy.cli import main

raise SystemExit(main())
