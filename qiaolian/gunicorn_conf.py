"""gunicorn's settings for every way the project runs it (docker-compose.yml, the Dockerfile, the production
tests): `gunicorn -c python:qiaolian.gunicorn_conf qiaolian.wsgi:application`.

The access log names each request by its method and path and never by its query string or referrer: a query may
carry what a search or API client asked for (a phone or document number in `/api/persons/?q=…`), and the access
log is read by operators who may not read those numbers (GB/T 39786-2021, issue 21). The pages themselves keep
numbers out of their URLs (their search forms POST and answer with keyed hashes); this covers API clients too."""

access_log_format = '%(h)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
