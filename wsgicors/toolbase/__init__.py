"""What the ``wsgicors`` tools (doctor, audit, proxy) share, below all of them.

* :mod:`~wsgicors.toolbase.errors`: :class:`ToolError`, the one error a tool raises
  for its user, and :class:`Exit`, the exit statuses of every command;
* :mod:`~wsgicors.toolbase.command`: :class:`Command`, the subcommand each tool adds
  to the root command line (:mod:`wsgicors.cli`);
* :mod:`~wsgicors.toolbase.loading`: the user's objects from ``module:attr`` or
  ``path/to/file.py:attr``;
* :mod:`~wsgicors.toolbase.targets`: :func:`find_target`, what serves CORS inside a
  user's object (a policy, a middleware, a Flask, Django or Starlette app);
* :mod:`~wsgicors.toolbase.spelling`: each adapter's names for wsgicors's options;
* :mod:`~wsgicors.toolbase.network`: the ``--timeout`` and ``--insecure`` options and
  the TLS context they give;
* :mod:`~wsgicors.toolbase.terminal`: output for a terminal: escaping, colour.

The tools import from here and from the core's public API; nothing here imports a
tool, and the core imports nothing from here.
"""
