"""The operators' side: the `decoder` command and what it starts on this machine.

``cli`` (with ``runcommand``, ``classcommand`` and ``kubecommand``) starts the platform through
``hubprocess`` and ``processes``, and the Docker engine through ``decoder.engine``; it builds
the images with ``images``. ``groups`` keeps the class lists, ``coursestate`` asks the course
service, ``kubecluster`` judges a Kubernetes cluster from kubectl's answers, and
``content_report`` and ``reference`` write what the course's and the settings' readers see.
"""
