"""The build pipeline: a graph of tasks over declared files, and the notebook runner.

``soko.pipeline.notebooks`` imports papermill lazily, so importing this package stays cheap.
"""

from soko.pipeline.graph import (
    Graph,
    GraphError,
    GraphResult,
    Task,
    TaskResult,
    execute_task,
    failure_causes,
    run_graph,
)
from soko.pipeline.notebooks import execute_notebook

__all__ = [
    "Graph",
    "GraphError",
    "GraphResult",
    "Task",
    "TaskResult",
    "execute_notebook",
    "execute_task",
    "failure_causes",
    "run_graph",
]
