"""The README is generated from nbs/index.ipynb and shows the test command that CI runs."""
import re
from conftest import REPO

def test_readme_in_sync_with_index():
    from taskweaver.docs import write_readme
    write_readme(REPO, check=True)

def test_ci_runs_the_readme_test_command():
    readme = (REPO/"README.md").read_text()
    blocks = re.findall(r"```sh\n(.+?)\n```", readme)
    assert len(blocks) >= 2, blocks
    main_job, test_cmd = blocks[0], blocks[1]
    assert "papermill" in main_job or "taskweaver batch" in main_job
    assert test_cmd in (REPO/".ci/run").read_text(), "the README test command must be what .ci/run calls"
