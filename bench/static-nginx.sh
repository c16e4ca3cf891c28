# Sourced by the bench scripts: an nginx serving the files of "$work/www" on 127.0.0.1:$backend_port, the
# backend behind the tunnels. Files are the caller's; this writes the config under "$work/nginx" and starts it.
# start_static_nginx [config name, default nginx.conf]; stop it with: nginx -p "$work/nginx" -c <name> -s stop
start_static_nginx() {
  local conf="${1:-nginx.conf}"
  mkdir -p "$work/nginx/logs" "$work/www"
  chmod -R a+rX "$work/www"
  cat > "$work/nginx/$conf" <<CONF
worker_processes 1;
pid $work/nginx/${conf%.conf}.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$backend_port; root $work/www; }
}
CONF
  nginx -p "$work/nginx" -c "$conf"
}
