-- Repository URL validation: one accepted shape, everything else refused
-- with 22023 and a detail that never quotes the URL.
\set VERBOSITY default

-- accepted spellings, all normalised to https://github.com/OWNER/REPO
SELECT u.input, p.*
FROM (VALUES
	('https://github.com/expressjs/express'),
	('https://github.com/expressjs/express.git'),
	('https://github.com/expressjs/express/'),
	('https://github.com/expressjs/express.git/'),
	('HTTPS://GitHub.COM/Owner-1/Repo_name.js'),
	('  https://github.com/a/b  '),
	('https://github.com/a/.github'),
	('https://github.com/a/b.c.git'),
	('https://github.com/abcdefghijklmnopqrstuvwxyz0123456789abc/x')
) AS u(input), sesami.parse_repo_url(u.input) AS p;

-- refused: each row is one bad URL and the detail it gets
CREATE FUNCTION pg_temp.refusal(url text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	d text;
BEGIN
	PERFORM sesami.parse_repo_url(url);
	RETURN 'ACCEPTED';
EXCEPTION WHEN invalid_parameter_value THEN
	GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
	RETURN d;
END
$$;

SELECT n, pg_temp.refusal(u) AS detail
FROM (VALUES
	(1, 'file:///etc/passwd'),
	(2, 'ssh://git@github.com/a/b.git'),
	(3, 'git@github.com:a/b.git'),
	(4, 'http://github.com/a/b'),
	(5, 'git://github.com/a/b'),
	(6, 'ftp://github.com/a/b'),
	(7, 'https://169.254.169.254/latest/meta-data'),
	(8, 'https://127.0.0.1/a/b'),
	(9, 'https://[::1]/a/b'),
	(10, 'https://[fe80::1%25eth0]/a/b'),
	(11, 'https://2130706433/a/b'),
	(12, 'https://0x7f000001/a/b'),
	(13, 'https://0177.0.0.1/a/b'),
	(14, 'https://user:token@github.com/a/b'),
	(15, 'https://ghp_secret@github.com/a/b'),
	(16, 'https://github.com:443/a/b'),
	(17, 'https://github.com:22/a/b'),
	(18, 'https://github.com/a/b/../../c'),
	(19, 'https://github.com/a/..'),
	(20, 'https://github.com/a/%2e%2e/b'),
	(21, 'https://github.com/%2e%2e/b'),
	(22, 'https://gitlab.com/a/b'),
	(23, 'https://github.com.evil.example/a/b'),
	(24, 'https://evil.example/github.com/a/b'),
	(25, 'https://github.com/a/b?x=1'),
	(26, 'https://github.com/a/b#readme'),
	(27, 'https://github.com/a/b/tree/main'),
	(28, 'https://github.com/a'),
	(29, 'https://github.com/'),
	(30, 'https://github.com'),
	(31, 'https:///a/b'),
	(32, ''),
	(33, '   '),
	(34, 'https://github.com/a b/c'),
	(35, E'https://github.com/a\n/b'),
	(36, E'https://github.com/a/b\tc'),
	(37, 'https://github.com/-a/b'),
	(38, 'https://github.com/a_b/c'),
	(39, 'https://github.com/a/.'),
	(40, 'https://github.com/a/.git'),
	(41, 'https://github.com//b'),
	(42, 'https://github.com\a\b'),
	(43, 'https://githüb.com/a/b'),
	(44, 'https://github.com./a/b'),
	(45, 'https://localhost/a/b'),
	(46, 'https://github.com/a/b' || repeat('x', 600)),
	(47, 'https://github.com/' || repeat('o', 40) || '/b'),
	(48, 'https://github.com/a/' || repeat('r', 101)),
	(49, 'javascript:alert(1)'),
	(50, 'https://github.com@evil.example/a/b')
) AS t(n, u)
ORDER BY n;

-- the detail never echoes credentials from the input
SELECT count(*) AS leaks FROM (VALUES
	('https://user:hunter2@github.com/a/b'),
	('https://hunter2@github.com/a/b'),
	('http://user:hunter2@github.com/a/b'),
	('ssh://user:hunter2@github.com/a/b')
) AS t(u) WHERE pg_temp.refusal(u) LIKE '%hunter2%';

-- the full error for one case, as a client sees it
SELECT * FROM sesami.parse_repo_url('https://user:hunter2@github.com/a/b');

-- other allowed hosts come from sesami.allowed_repo_hosts
SET sesami.allowed_repo_hosts = 'github.com, git.example.org';
SELECT url FROM sesami.parse_repo_url('https://GIT.example.org/team/project.git');
RESET sesami.allowed_repo_hosts;
SELECT * FROM sesami.parse_repo_url('https://git.example.org/team/project.git');
SELECT sesami.parse_repo_url(NULL) IS NULL AS null_in_null_out;
